// The benchmark runs end to end at a tiny size and prints its four rows; no rate is asserted.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { runBenchScript } from '../../bench/lib/run-script.ts';

const BENCH = resolve(import.meta.dirname, '../../bench/directory-rcpt.ts');

test('bench/directory-rcpt validates 50 known and 50 unknown recipients against slapd, cold and warm', { timeout: 120_000 }, async () => {
  const { status, stdout, stderr } = await runBenchScript(BENCH, ['--users', '50', '--concurrency', '4']);
  assert.equal(status, 0, stderr);
  const answers = (phase: string) => stdout.split('\n').find((line) => line.startsWith(phase))?.split('|').at(-1)?.trim();
  assert.equal(answers('known, cold'), '50×250', stdout);
  assert.equal(answers('known, warm'), '50×250', stdout);
  assert.equal(answers('unknown, cold'), '50×550', stdout);
  assert.equal(answers('unknown, warm'), '50×550', stdout);
});
