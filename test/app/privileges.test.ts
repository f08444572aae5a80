import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { freePort, startPostern, tempDir, writeConfig } from '../helpers/postern-process.ts';

const BUNDLED_ZONE = resolve(import.meta.dirname, '../../config/zones/example.test.zone');
const NOBODY = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());

function uidOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Uid:'))!;
  return Number(line.split(/\s+/)[2]); // effective uid
}

const cmdlineOf = (pid: number): string => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');

/** The DNS cluster workers among the children (tsx also runs an esbuild service process). */
function dnsWorkersOf(pid: number): number[] {
  return childrenOf(pid).filter((child) => cmdlineOf(child).includes('cluster-worker.ts'));
}

function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

test('started as root with "user": the main process and every DNS worker run as that user; dataDir is theirs', { skip: process.getuid?.() !== 0 && 'needs root (it starts as root and drops to nobody)' }, async (t) => {
  const dir = tempDir();
  t.after(dir.remove);
  chmodSync(dir.path, 0o755); // nobody must reach the zone file to reload it
  copyFileSync(BUNDLED_ZONE, join(dir.path, 'example.test.zone'));
  const port = await freePort();
  const config = writeConfig(
    dir.path,
    `user: nobody\ngroup: nogroup\ndataDir: var\nlog: { format: json }\ndns: { listen: [ "127.0.0.1:${port}" ], workers: 2, zones: [ { name: example.test, file: example.test.zone } ] }\n`,
  );
  const postern = await startPostern(config);
  t.after(() => postern.stop());

  assert.equal(uidOf(postern.child.pid!), NOBODY);
  const workers = dnsWorkersOf(postern.child.pid!);
  assert.equal(workers.length, 2, `two DNS workers, children: ${childrenOf(postern.child.pid!).map(cmdlineOf).join('; ')}`);
  for (const pid of workers) assert.equal(uidOf(pid), NOBODY, `worker ${pid}`);
  assert.equal(statSync(join(dir.path, 'var')).uid, NOBODY);
  const answer = execFileSync('dig', ['@127.0.0.1', '-p', String(port), '+short', '+time=2', '+tries=1', 'mx1.example.test', 'A'], { encoding: 'utf8' });
  assert.equal(answer.trim(), '127.0.0.11', 'the workers still answer');
});
