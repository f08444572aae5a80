// IPv4 and IPv6 addresses between text and the 4/16 octets of A and AAAA RDATA.
// Text out is canonical (RFC 5952 for IPv6), so equal addresses are equal strings.

/** Writes the four octets of a dotted-quad at out[pos]; false when the text is not one.
 *  Leading zeros are refused: some parsers read them as octal. Hand-rolled: A records are
 *  encoded on the server's hot path. */
export function ipv4ToBytes(text: string, out: Uint8Array, pos: number): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || part > 3) return false;
      out[pos + part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && value === 0) return false;
      value = value * 10 + (c - 0x30);
      if (value > 255) return false;
      digits++;
    } else {
      return false;
    }
  }
  return part === 4;
}

export function ipv4FromBytes(buf: Uint8Array, pos: number): string {
  return `${buf[pos]}.${buf[pos + 1]}.${buf[pos + 2]}.${buf[pos + 3]}`;
}

function parseGroups(text: string, groups: number[]): boolean {
  if (text === '') return true;
  const parts = text.split(':');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (i === parts.length - 1 && part.includes('.')) {
      const v4 = new Uint8Array(4);
      if (!ipv4ToBytes(part, v4, 0)) return false;
      groups.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return false;
      groups.push(parseInt(part, 16));
    }
  }
  return true;
}

/** Writes the 16 octets of an IPv6 address at out[pos]; false when the text is not one. */
export function ipv6ToBytes(text: string, out: Uint8Array, pos: number): boolean {
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const head: number[] = [];
  const tail: number[] = [];
  if (!parseGroups(halves[0], head)) return false;
  if (halves.length === 2 && !parseGroups(halves[1], tail)) return false;
  // An embedded IPv4 address may only end the address.
  if (halves.length === 2 && halves[0].includes('.')) return false;
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return false;
  const groups = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  for (let i = 0; i < 8; i++) {
    out[pos + 2 * i] = groups[i] >> 8;
    out[pos + 2 * i + 1] = groups[i] & 0xff;
  }
  return true;
}

/** RFC 5952 §4 text: lower-case, no leading zeros, the longest run (≥ 2) of zero groups as
 *  "::" (the first on a tie); IPv4-mapped addresses in mixed notation (§5). */
export function ipv6FromBytes(buf: Uint8Array, pos: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((buf[pos + 2 * i] << 8) | buf[pos + 2 * i + 1]);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${ipv4FromBytes(buf, pos + 12)}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}
