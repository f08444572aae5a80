// Quoted-printable (RFC 2045 §6.7) one line at a time, as Postfix's MIME downgrade writes it
// (mime_state.c): every byte outside printable ASCII and "=" as =XX, a soft line break before a
// line grows past 76 characters, and whitespace at the end of a line encoded.

const HEX = '0123456789ABCDEF';

/** One input line (latin1, one char per byte, without CRLF) as one or more output lines. */
export function qpEncodeLine(line: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < line.length; i++) {
    if (current.length > 72) {
      out.push(`${current}=`);
      current = '';
    }
    const c = line.charCodeAt(i);
    current += (c < 32 && c !== 9) || c === 61 || c > 126 ? `=${HEX[c >> 4]}${HEX[c & 15]}` : line[i];
  }
  const endsWithSpace = current.endsWith(' ') || current.endsWith('\t');
  if (endsWithSpace) current = `${current.slice(0, -1)}=${current.endsWith(' ') ? '20' : '09'}`;
  out.push(current);
  return out;
}
