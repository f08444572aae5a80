// The benchmark's own parts: its zone and query mix are what it claims, and dnsperf's report is read right.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runDnsperf, runDnsperfVerbose } from '../../bench/lib/dnsperf.ts';
import { startKnot } from '../../bench/lib/knot.ts';
import type { RunningPeer } from '../../bench/lib/peer.ts';
import { generateBenchZone } from '../../bench/lib/zone.ts';

const origin = 'example.test';
const zone = generateBenchZone({ origin, hosts: 500, queryCount: 2000 });
const dir = mkdtempSync(join(tmpdir(), 'postern-bench-test-'));
const zoneFile = join(dir, `${origin}.zone`);
const queryFile = join(dir, 'queries.txt');
let knot: RunningPeer;

before(async () => {
  writeFileSync(zoneFile, zone.masterFile);
  writeFileSync(queryFile, zone.queries);
  knot = await startKnot({ dir, zoneFile, origin, workers: 1, maxLifetimeMs: 120_000 });
});

after(async () => {
  await knot?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('the generated zone is a valid master file', () => {
  const check = spawnSync('ldns-read-zone', ['-q', zoneFile], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
});

test('the queries are 80% answers, 10% NXDOMAIN and 10% NODATA, as Knot answers them', () => {
  const sample = zone.queries.trim().split('\n');
  const batch = join(dir, 'dig-batch.txt');
  writeFileSync(batch, sample.map((q) => `${q} +noall +comments`).join('\n'));
  const dig = spawnSync('dig', ['@127.0.0.1', '-p', String(knot.port), '-f', batch, '+time=2', '+tries=1'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(dig.status, 0, dig.stderr);
  const replies = [...dig.stdout.matchAll(/status: (\w+),[\s\S]*?ANSWER: (\d+)/g)].map(([, status, answers]) => ({ status, answers: Number(answers) }));
  assert.equal(replies.length, sample.length);
  const share = (match: (r: { status: string; answers: number }) => boolean) => replies.filter(match).length / replies.length;
  assert.ok(Math.abs(share((r) => r.status === 'NOERROR' && r.answers > 0) - 0.8) < 0.04);
  assert.ok(Math.abs(share((r) => r.status === 'NXDOMAIN') - 0.1) < 0.03);
  assert.ok(Math.abs(share((r) => r.status === 'NOERROR' && r.answers === 0) - 0.1) < 0.03);
});

test('a throughput run reports qps, latency and the response mix', async () => {
  const report = await runDnsperf(knot.port, queryFile, { seconds: 1, clients: 2, threads: 1, outstanding: 20 });
  assert.ok(report.completed > 0 && report.qps > 0);
  assert.ok(report.averageLatencyMs > 0 && report.maxLatencyMs >= report.averageLatencyMs);
  assert.ok(Math.abs(report.responseCodes.NXDOMAIN - 0.1) < 0.03);
  assert.ok(report.averageResponseBytes > 40);
});

test('a latency run yields ordered percentiles from the per-query lines', async () => {
  const run = await runDnsperfVerbose(knot.port, queryFile, { seconds: 1, clients: 2, threads: 1, outstanding: 20 }, join(dir, 'verbose.txt'), [0.5, 0.99]);
  const [p50, p99] = run.percentilesMs;
  assert.ok(run.report.completed > 0);
  assert.ok(p50 > 0 && p99 >= p50 && p99 <= run.report.maxLatencyMs);
});
