// bench/content runs end to end at a tiny size: Postern with content.scanning off and on accepts
// every message, and the second row says how it compares with the first. No timing is asserted.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { runBenchScript } from '../../bench/lib/run-script.ts';

const BENCH = resolve(import.meta.dirname, '../../bench/content.ts');
const skip = !existsSync('/usr/sbin/smtp-source') ? 'needs the Debian package postfix for smtp-source (scripts/test-deps.sh)' : false;

test('bench/content with scanning off and on: both accept every message; the second row has its ratios to off', { skip, timeout: 120_000 }, async () => {
  const run = await runBenchScript(BENCH, ['--variants', 'off,on', '--messages', '10', '--warmup', '0', '--sessions', '2']);
  assert.equal(run.status, 0, run.stderr);
  const rows = run.stdout.split('\n').filter((line) => /^(off|on) +\|/.test(line));
  assert.deepEqual(rows.map((row) => row.split('|')[0]!.trim()), ['off', 'on']);
  const cells = rows[1]!.split('|').map((c) => c.trim());
  assert.equal(cells[1], '10');
  assert.ok(Number(cells[3]) > 0 && Number(cells[4]) > 0 && Number(cells[6]) > 0, rows[1]);
});
