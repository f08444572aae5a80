// The benchmark runs end to end at a tiny size and reports both servers; no timing is asserted.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';

const BENCH = resolve(import.meta.dirname, '../../bench/smtp-accept.ts');
const skip = process.getuid?.() !== 0 ? 'Postfix\'s own instance needs root' : !existsSync('/usr/sbin/smtp-source') ? 'needs the Debian package postfix (scripts/test-deps.sh)' : false;

function runBench(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', BENCH, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('close', (status) => done({ status, stdout, stderr }));
  });
}

test('bench/smtp-accept measures Postern and Postfix in one run and prints a row for each', { skip, timeout: 180_000 }, async () => {
  const run = await runBench(['--messages', '20', '--sizes', '5120', '--sessions', '2', '--warmup', '0']);
  assert.equal(run.status, 0, run.stderr);
  const rows = run.stdout.split('\n').filter((line) => /^(postern|postfix) +\|/.test(line));
  assert.deepEqual(rows.map((row) => row.split('|')[0].trim()), ['postern', 'postfix']);
  for (const row of rows) {
    const [, , size, sessions, rate, cpu, memory] = row.split('|').map((cell) => cell.trim());
    assert.equal(size, '5120');
    assert.equal(sessions, '2');
    assert.ok(Number(rate) > 0 && Number(cpu) > 0 && Number(memory) > 0, row);
  }
});
