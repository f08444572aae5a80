// Addresses go into LDAP search filters only escaped (RFC 4515 §3): "*)(uid=*" must find nothing,
// not everyone. NUL is refused outright: no address has one, and some servers end strings there.

/** RFC 4515 §3: the characters of an assertion value that are written as "\" and two hex digits. */
const SPECIAL = /[\\*()\0]/g;

export function escapeFilterValue(value: string): string {
  return value.replace(SPECIAL, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The filter template with every "%s" replaced by the escaped value; undefined when the value holds NUL. */
export function fillFilter(template: string, value: string): string | undefined {
  if (value.includes('\0')) return undefined;
  const escaped = escapeFilterValue(value);
  return template.replaceAll('%s', () => escaped);
}
