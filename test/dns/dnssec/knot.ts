// What a Postern answer must share with Knot's (Knot is started by test/helpers/knot.ts).

import type { DigRecord, DigResult } from '../../helpers/dns.ts';

export { startKnot } from '../../helpers/knot.ts';

const records = (section: DigRecord[]): string[] => section.map((r) => `${r.name.toLowerCase()} ${r.ttl} ${r.type} ${r.data}`).sort();

/** What two servers' answers must share: rcode, AA and each section as a set of records. */
export function answerShape(r: DigResult): object {
  return { status: r.status, aa: r.flags.has('aa'), answer: records(r.answer), authority: records(r.authority), additional: records(r.additional) };
}
