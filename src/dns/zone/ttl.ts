// TTLs as BIND writes them in master files: plain seconds ("3600") or digit groups with the
// units w, d, h, m, s in any case ("1h30m", "2W", "1d"); a last group without a unit counts as
// seconds ("1h30" = 3630), as in BIND's ttl.c.

const UNIT_SECONDS: Record<string, number> = { w: 604_800, d: 86_400, h: 3_600, m: 60, s: 1 };
const TTL_SHAPE = /^(?:\d+[wdhms])*\d*$/i;
const TTL_GROUP = /(\d+)([wdhms]?)/gi;
const MAX_UINT32 = 0xffff_ffff;

/** Seconds for a TTL token, or undefined when the token is not a TTL or exceeds 32 bits. */
export function parseTtl(text: string): number | undefined {
  if (text === '' || !TTL_SHAPE.test(text)) return undefined;
  let total = 0;
  for (const [, digits, unit] of text.matchAll(TTL_GROUP)) {
    total += Number(digits) * (unit === '' ? 1 : UNIT_SECONDS[unit.toLowerCase()]);
  }
  return total <= MAX_UINT32 ? total : undefined;
}

/** RFC 2181 §8: TTLs above 2^31 - 1 are treated as zero. */
export const MAX_TTL = 0x7fff_ffff;
