// bench/relay's "checks on vs off" comparison runs end to end at a tiny size: Postern with every
// check on relays every message too, and its row says how it compares with Postern's default
// run. No timing is asserted.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { runBenchScript } from '../../bench/lib/run-script.ts';

const BENCH = resolve(import.meta.dirname, '../../bench/relay.ts');

test('bench/relay with postern and postern-checks: both relay everything; the checks row has its "x all off" ratio', { timeout: 120_000 }, async () => {
  const run = await runBenchScript(BENCH, ['--servers', 'postern,postern-checks', '--messages', '20', '--sizes', '5120', '--sessions', '3', '--warmup', '0', '--drain-timeout', '30']);
  assert.equal(run.status, 0, run.stderr);
  const rows = run.stdout.split('\n').filter((line) => /^postern(-checks)? +\|/.test(line));
  assert.deepEqual(rows.map((row) => row.split('|')[0]!.trim()), ['postern', 'postern-checks']);
  for (const row of rows) assert.equal(row.split('|')[10]!.trim(), '0', `nothing lost: ${row}`);
  const ratio = Number(rows[1]!.split('|')[13]!.trim());
  assert.ok(ratio > 0, rows[1]);
});
