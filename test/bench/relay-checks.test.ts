// bench/relay's "checks on vs off" comparison runs end to end at a tiny size: Postern with every
// check off and with every check on both relay every message, and the second row says how it
// compares with the first. No timing is asserted.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { runBenchScript } from '../../bench/lib/run-script.ts';

const BENCH = resolve(import.meta.dirname, '../../bench/relay.ts');

test('bench/relay with postern-all-off and postern-all-on: both relay everything; the second row has its "x all off" ratio', { timeout: 120_000 }, async () => {
  const run = await runBenchScript(BENCH, ['--servers', 'postern-all-off,postern-all-on', '--messages', '20', '--sizes', '5120', '--sessions', '3', '--warmup', '0', '--drain-timeout', '30']);
  assert.equal(run.status, 0, run.stderr);
  const rows = run.stdout.split('\n').filter((line) => /^postern-all-o(n|ff) +\|/.test(line));
  assert.deepEqual(rows.map((row) => row.split('|')[0]!.trim()), ['postern-all-off', 'postern-all-on']);
  for (const row of rows) assert.equal(row.split('|')[10]!.trim(), '0', `nothing lost: ${row}`);
  const ratio = Number(rows[1]!.split('|')[13]!.trim());
  assert.ok(ratio > 0, rows[1]);
});
