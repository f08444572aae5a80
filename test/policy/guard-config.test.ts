import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { CONFIG_FILE, problemsOf } from '../helpers/config-problems.ts';

test('defaults: spoofing on, tarpit, senderLogin and rate limits off, no greet delay, trusted networks exempt', () => {
  const { policy } = parseConfig('dataDir: /var/lib/postern\n', CONFIG_FILE);
  assert.deepEqual(
    { relay: policy.relay, spoofing: policy.spoofing, submission: policy.submission, greetDelay: policy.greetDelay, rateLimits: policy.rateLimits },
    {
      relay: { tarpit: { enabled: false, firstDelay: 1000, maxDelay: 30_000 } },
      spoofing: { enabled: true },
      submission: { senderLogin: false },
      greetDelay: 0,
      rateLimits: {
        client: { connectionsPerMinute: 0, messagesPerHour: 0, recipientsPerHour: 0 },
        user: { connectionsPerMinute: 0, messagesPerHour: 0, recipientsPerHour: 0 },
        exemptTrusted: true,
      },
    },
  );
});

test('bad values name the key and the fix', () => {
  assert.deepEqual(problemsOf('policy: { greetDelay: 2m, relay: { tarpit: { firstDelay: 10s, maxDelay: 1s } }, rateLimits: { user: { recipientsPerHour: 1.5 } }, spoofing: { enabled: yes please } }\n'), [
    'policy.relay.tarpit: maxDelay is shorter than firstDelay: make maxDelay at least firstDelay, e.g. { firstDelay: 1s, maxDelay: 30s }',
    'policy.spoofing.enabled: Invalid input: expected boolean, received string',
    'policy.greetDelay: expected at most 60s (clients give up on a greeting after a few minutes; postscreen uses 6s), e.g. greetDelay: 6s',
    'policy.rateLimits.user.recipientsPerHour: expected a whole number (0 for no limit), got 1.5',
  ]);
});
