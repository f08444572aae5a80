// The resolver benchmark runs end to end at a tiny size: both resolvers answer the query set
// through the private root with the mix the zone was built for; no qps figure is asserted.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';

const BENCH = resolve(import.meta.dirname, '../../bench/dns-resolver.ts');

test('bench/dns-resolver compares Postern and Unbound answering from their caches', { timeout: 180_000 }, async () => {
  const args = ['--seconds', '1', '--warmup-passes', '2', '--rounds', '1', '--workers', '1', '--hosts', '50', '--clients', '2', '--threads', '1', '--outstanding', '10'];
  const child = spawn(process.execPath, ['--import', 'tsx', BENCH, ...args]);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const status = await new Promise<number | null>((done) => child.once('close', done));
  assert.equal(status, 0, stderr);
  for (const name of ['postern', 'unbound']) {
    const row = stdout.split('\n').find((line) => new RegExp(`^${name} +\\|`).test(line));
    assert.ok(row, stdout);
    const cells = row.split('|').map((cell) => cell.trim());
    assert.ok(Number(cells[3]) > 0, row);
    const nxdomain = Number(/NXDOMAIN ([\d.]+)%/.exec(cells[7])?.[1]);
    assert.ok(Math.abs(nxdomain - 10) < 4, `${name} answers 10% NXDOMAIN: ${row}`);
  }
  assert.match(stdout, /postern \/ unbound: \d+\.\d\d/);
});
