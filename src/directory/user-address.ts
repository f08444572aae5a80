// User names are full addresses: the local part keeps its case (RFC 5321 §2.4), the domain does not.

/** The canonical form of a user address, or undefined when it is not local@domain. */
export function canonicalAddress(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  if (at < 1 || at === address.length - 1 || /[\s<>]/.test(address)) return undefined;
  return `${address.slice(0, at)}@${address.slice(at + 1).toLowerCase()}`;
}
