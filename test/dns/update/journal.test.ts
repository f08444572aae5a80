import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { applyUpdate } from '../../../src/dns/update/apply-update.ts';
import { replay, ZoneJournal, type Changeset } from '../../../src/dns/update/journal.ts';
import type { ResourceRecord } from '../../../src/dns/wire/model.ts';
import { recordToText } from '../../../src/dns/wire/text.ts';
import { parseMasterText } from '../../../src/dns/zone/masterfile.ts';
import { scratchDir } from '../../helpers/scratch-dirs.ts';

async function rr(text: string): Promise<ResourceRecord[]> {
  return (await parseMasterText(`$ORIGIN dyn.test.\n$TTL 300\n${text}\n`, 'z', { origin: 'dyn.test' })).records.map((s) => s.record);
}
const sorted = (records: ResourceRecord[]) => records.map(recordToText).sort();

test('updates journalled, read back after a "restart" and replayed onto the zone file give the same zone', async () => {
  const file = join(await scratchDir(), 'dyn.test.jnl');
  const zone = await rr('@ SOA ns hostmaster 10 3600 600 86400 300\n@ NS ns\nns A 192.0.2.1\nold TXT "gone soon"');
  const journal = new ZoneJournal(file, 'dyn.test');
  let current = zone;
  for (const update of ['a A 192.0.2.10', 'b AAAA 2001:db8::1\nc TXT "two words" "and \\"quotes\\""']) {
    const result = applyUpdate({ zone: 'dyn.test', prerequisites: [], updates: await rr(update) }, current);
    assert.ok('records' in result);
    await journal.append({ from: Number(current.find((r) => r.type === 6)!.data.serial), to: result.serial, removed: result.removed, added: result.added });
    current = result.records;
  }
  const read = await new ZoneJournal(file, 'dyn.test').read();
  assert.deepEqual(read.map((c) => [c.from, c.to]), [[10, 11], [11, 12]]);
  const replayed = replay(zone, 10, read);
  assert.equal(replayed.kind, 'current');
  assert.ok(replayed.kind === 'current' && replayed.serial === 12 && replayed.applied === 2);
  assert.deepEqual(sorted(replayed.kind === 'current' ? replayed.records : []), sorted(current));

  appendFileSync(file, '{"from":12,"to":13,"removed":[],"add');
  assert.equal((await new ZoneJournal(file, 'dyn.test').read()).length, 2, 'a line cut short by a crash is not an update');
});

test('replay: a synced file, a hand-edited file with a newer serial, and one edited without raising it', () => {
  const journal: Changeset[] = [{ from: 10, to: 11, removed: [], added: [] }, { from: 11, to: 12, removed: [], added: [] }];
  assert.deepEqual(replay([], 12, journal), { kind: 'current', records: [], serial: 12, applied: 0, history: journal });
  assert.deepEqual(replay([], 11, journal), { kind: 'current', records: [], serial: 12, applied: 1, history: journal });
  const broken: Changeset[] = [{ from: 5, to: 6, removed: [], added: [] }, ...journal];
  assert.deepEqual(replay([], 12, broken), { kind: 'current', records: [], serial: 12, applied: 0, history: journal }, 'the history is the last unbroken chain');
  assert.deepEqual(replay([], 20, journal), { kind: 'file-newer', records: [], serial: 20 });
  assert.deepEqual(replay([], 9, journal), { kind: 'conflict', fileSerial: 9, journalSerial: 12 });
});
