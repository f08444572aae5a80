// content.rules in the configuration file: what a mistake is refused with.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentChecks } from '../../src/app/content-checks.ts';
import { parseConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { CONFIG_FILE, problemsOf } from '../helpers/config-problems.ts';

describe('content configuration', () => {
  it('names the key and the fix for each mistake in a rule', () => {
    const problems = problemsOf(`content:
  rules:
    - { name: bad-regex, match: { text: "invoice(" }, action: tag }
    - { name: headers-only, match: { header: "^X-Spam: yes" }, action: strip }
    - { name: nothing, match: {}, action: reject }
    - { name: odd-hex, match: { signature: [ "hex:4d5" ] }, action: reject }
    - { name: typo, match: { realtype: [ exe ] }, action: reject }
    - { name: typo, match: { realType: [ exe ] }, action: shred }
    - { name: nowhere, match: { realType: [ exe ] }, action: reject, directions: [] }
`);
    const joined = problems.join('\n');
    assert.match(joined, /content\.rules\[0\]\.match\.text: expected a regular expression: .*escape special characters/);
    assert.match(joined, /content\.rules\[1\]\.action: strip removes attachments: give the rule a condition that picks them out/);
    assert.match(joined, /content\.rules\[2\]\.match: a rule needs at least one condition/);
    assert.match(joined, /content\.rules\[3\]\.match\.signature\[0\]: expected an even number of hex digits after "hex:"/);
    assert.match(joined, /content\.rules\[4\]\.match.*realtype/);
    assert.match(joined, /content\.rules\[5\]\.action: expected one of reject, tag, strip, quarantine, notify, copyPostmaster, discard, got "shred"/);
    assert.match(joined, /content\.rules\[6\]\.directions: expected at least one of inbound, outbound, internal/);
  });

  it('refuses two rules of one name', () => {
    const problems = problemsOf(`content:
  rules:
    - { name: no-exe, match: { realType: [ exe ] }, action: strip }
    - { name: no-exe, match: { extension: [ exe ] }, action: strip }
`);
    assert.deepEqual(problems.filter((p) => p.includes('twice')), ['content.rules[1].name: rule no-exe is defined twice: give each rule its own name']);
  });

  it('content.scanning: false leaves no content check at all; by default there is one, at end of data', () => {
    assert.deepEqual(contentChecks(parseConfig('content: { scanning: false }\n', CONFIG_FILE), silentLogger()), []);
    const [check] = contentChecks(parseConfig('{}\n', CONFIG_FILE), silentLogger());
    assert.equal(check?.name, 'content');
    assert.equal(typeof check?.endOfData, 'function');
  });
});
