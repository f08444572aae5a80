// The relay benchmark runs end to end at a tiny size: Postern and Postfix each relay every message
// to the sink, and both get a row; no timing is asserted. Haraka (installed from npm on first
// use) is left to full runs.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { runBenchScript } from '../../bench/lib/run-script.ts';
import { postfixUnavailable } from '../helpers/postfix-instance.ts';

const BENCH = resolve(import.meta.dirname, '../../bench/relay.ts');

test('bench/relay relays through Postern and Postfix to the sink and prints a row for each', { skip: postfixUnavailable(), timeout: 120_000 }, async () => {
  const run = await runBenchScript(BENCH, ['--servers', 'postern,postfix', '--messages', '20', '--sizes', '5120', '--sessions', '3', '--per-connection', '2', '--warmup', '0', '--drain-timeout', '30']);
  assert.equal(run.status, 0, run.stderr);
  const rows = run.stdout.split('\n').filter((line) => /^(postern|postfix) +\|/.test(line));
  assert.deepEqual(rows.map((row) => row.split('|')[0].trim()), ['postern', 'postfix']);
  for (const row of rows) {
    const [, , size, sessions, accepted, relayed, p50, p99, cpu, memory, lost] = row.split('|').map((cell) => cell.trim());
    assert.equal(size, '5120');
    assert.equal(sessions, '3');
    assert.equal(lost, '0', row);
    assert.ok([accepted, relayed, cpu, memory].every((cell) => Number(cell) > 0), row);
    assert.ok(Number(p99) >= Number(p50), row);
  }
});
