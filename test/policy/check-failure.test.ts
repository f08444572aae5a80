import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SmtpCheck } from '../../src/policy/check.ts';
import { CheckFailure, runChecks } from '../../src/smtp/server/check-chain.ts';
import { session } from './contexts.ts';

test('a check that throws is named, so the refusal it causes can be logged with its name', async () => {
  const broken: SmtpCheck = { name: 'broken', connect: async () => Promise.reject(new Error('lookup exploded')) };
  const never: SmtpCheck = { name: 'never', connect: () => assert.fail('checks after a failure do not run') };
  await assert.rejects(runChecks([{ name: 'quiet' }, broken, never], 'connect', session()), (err: unknown) => err instanceof CheckFailure && err.check === 'broken' && err.message === 'check broken failed: lookup exploded');
});
