// RFC 4648 §7 base32 with the extended hex alphabet, unpadded: the text form of NSEC3
// hashed owner names (RFC 5155 §3.3).

const ALPHABET = '0123456789abcdefghijklmnopqrstuv';

export function base32hexEncode(data: Uint8Array): string {
  let text = '';
  let bits = 0;
  let value = 0;
  for (const byte of data) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      text += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) text += ALPHABET[(value << (5 - bits)) & 31];
  return text;
}

/** Decodes case-insensitively; undefined when a character is outside the alphabet, padding
 *  is present, or the length cannot come from whole octets. */
export function base32hexDecode(text: string): Buffer | undefined {
  if ([1, 3, 6].includes(text.length % 8)) return undefined;
  const out = Buffer.alloc(Math.floor((text.length * 5) / 8));
  let bits = 0;
  let value = 0;
  let pos = 0;
  for (const ch of text.toLowerCase()) {
    const digit = ALPHABET.indexOf(ch);
    if (digit < 0) return undefined;
    value = ((value << 5) | digit) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out[pos++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  // Leftover bits must be zero, or two texts would decode to the same octets.
  if ((value & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}
