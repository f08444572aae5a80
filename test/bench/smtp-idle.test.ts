// The benchmark runs end to end at a tiny size and prints its row; no memory figure is asserted.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';

const BENCH = resolve(import.meta.dirname, '../../bench/smtp-idle.ts');
const skip = !existsSync('/usr/sbin/smtp-source') ? 'needs the Debian package postfix for smtp-source (scripts/test-deps.sh)' : false;

test('bench/smtp-idle holds 20 idle sessions open against postern start and prints RSS per connection', { skip, timeout: 120_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', BENCH, '--connections', '20']);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const status = await new Promise<number | null>((done) => child.once('close', done));
  assert.equal(status, 0, stderr);
  const row = stdout.split('\n').find((line) => /^postern +\|/.test(line));
  assert.ok(row, stdout);
  const [, , connections, before, after, perConnection] = row.split('|').map((cell) => cell.trim());
  assert.equal(connections, '20');
  assert.ok(Number(before) > 0 && Number(after) > 0 && Number.isFinite(Number(perConnection)), row);
});
