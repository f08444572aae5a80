// The Authentication-Results header field (RFC 8601): ours, written once per message, and the
// incoming ones that claim our authserv-id, which §5 requires us to remove: left in place they
// would let a sender forge a "pass" that our own users' filters trust.

/** One field: "Authentication-Results: ID;" and one result per line (RFC 8601 §2.2), or "none". */
export function authResultsField(authservId: string, results: readonly string[]): string {
  if (results.length === 0) return `Authentication-Results: ${authservId}; none`;
  return `Authentication-Results: ${authservId};\r\n\t${results.map(oneLine).join(';\r\n\t')}`;
}

/** A result as mailauth gives it may be folded with a bare LF or a CRLF; ours are joined into one line each. */
function oneLine(result: string): string {
  return result.replace(/\r?\n[ \t]*/g, ' ').trim();
}

/** The authserv-id of an Authentication-Results value: its first word, after any comments. */
export function authservIdOf(value: string): string {
  let depth = 0;
  let text = '';
  for (const char of value) {
    if (char === '(') depth++;
    else if (char === ')' && depth > 0) depth--;
    else if (depth === 0) text += char;
  }
  return (text.split(';')[0] ?? '').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
}

const AUTH_RESULTS_NAME = /^authentication-results[ \t]*:/i;

/** Whether one raw header field (name, colon, value, folded lines) is an Authentication-Results field naming `authservId`. */
export function claimsAuthservId(field: string, authservId: string): boolean {
  if (!AUTH_RESULTS_NAME.test(field)) return false;
  return authservIdOf(field.slice(field.indexOf(':') + 1)) === authservId.toLowerCase();
}

/**
 * The message with the header fields `drop` picks removed, streamed: the header section is
 * read whole (it ends at the first empty line), the body passes through untouched.
 */
export async function* withoutHeaderFields(message: AsyncIterable<Buffer | string>, drop: (field: string) => boolean): AsyncGenerator<Buffer> {
  let head = Buffer.alloc(0);
  let inBody = false;
  for await (const piece of message) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece, 'latin1') : piece;
    if (inBody) {
      yield chunk;
      continue;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    // A message that starts with an empty line has no header section at all.
    if (head.subarray(0, 2).equals(Buffer.from('\r\n'))) {
      inBody = true;
      yield head;
    } else if (end >= 0) {
      inBody = true;
      yield filteredHead(head.subarray(0, end + 2), drop);
      yield head.subarray(end + 2);
    }
  }
  if (!inBody) yield filteredHead(head, drop);
}

function filteredHead(head: Buffer, drop: (field: string) => boolean): Buffer {
  const lines = head.toString('latin1').split('\r\n');
  const fields: string[] = [];
  for (const line of lines) {
    if (/^[ \t]/.test(line) && fields.length > 0) fields[fields.length - 1] += `\r\n${line}`;
    else fields.push(line);
  }
  return Buffer.from(fields.filter((f) => !drop(f)).join('\r\n'), 'latin1');
}
