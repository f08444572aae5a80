// The policy.auth table from results to verdicts, and the Authentication-Results field: ours
// written in RFC 8601 form, forged ones (claiming our authserv-id) recognised and cut out.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import type { AuthenticateResult } from 'mailauth';
import { authResultsField, authservIdOf, claimsAuthservId, withoutHeaderFields } from '../../src/policy/auth-results-field.ts';
import { authVerdict, type AuthActions } from '../../src/policy/auth-verdict.ts';

const DEFAULTS: AuthActions = {
  spfFail: 'tag',
  spfSoftfail: 'accept',
  spfPermerror: 'accept',
  spfTemperror: 'accept',
  dkimFail: 'accept',
  dmarcReject: 'reject',
  dmarcQuarantine: 'quarantine',
  dmarcNone: 'accept',
  dmarcTemperror: 'accept',
  arcFail: 'accept',
};

interface Shape {
  spf?: string;
  dkim?: string[];
  dmarc?: { result: string; policy?: string; pct?: number };
  arc?: string;
}

function resultOf(shape: Shape): AuthenticateResult {
  return {
    spf: shape.spf ? { domain: 'sender.test', status: { result: shape.spf } } : false,
    dkim: { results: (shape.dkim ?? []).map((result) => ({ signingDomain: 'sender.test', status: { result } })) },
    dmarc: shape.dmarc ? { domain: 'sender.test', policy: shape.dmarc.policy ?? 'none', pct: shape.dmarc.pct, status: { result: shape.dmarc.result, header: { d: 'mail.sender.test' } } } : false,
    arc: shape.arc ? { status: { result: shape.arc } } : false,
  } as unknown as AuthenticateResult;
}

const verdictOf = (shape: Shape, actions: Partial<AuthActions> = {}, sample = 0) => authVerdict(resultOf(shape), { ...DEFAULTS, ...actions }, sample);

test('passing mail and failures whose action is accept continue the chain, untagged', () => {
  assert.deepEqual(verdictOf({ spf: 'pass', dkim: ['pass'], dmarc: { result: 'pass', policy: 'reject' } }), { verdict: { kind: 'continue' } });
  assert.deepEqual(verdictOf({ spf: 'softfail', dkim: ['fail'], dmarc: { result: 'fail', policy: 'none' } }), { verdict: { kind: 'continue' } });
});

test('each failure refused alone carries its own enhanced code (RFC 7372, RFC 8617)', () => {
  const code = (shape: Shape, actions: Partial<AuthActions>) => {
    const { verdict } = verdictOf(shape, actions);
    return verdict.kind === 'reject' ? `${verdict.code} ${verdict.enhanced}` : verdict.kind;
  };
  assert.equal(code({ spf: 'fail' }, { spfFail: 'reject' }), '550 5.7.23');
  assert.equal(code({ spf: 'softfail' }, { spfSoftfail: 'reject' }), '550 5.7.23');
  assert.equal(code({ dkim: ['fail', 'neutral'] }, { dkimFail: 'reject' }), '550 5.7.20');
  assert.equal(code({ dkim: ['fail', 'pass'] }, { dkimFail: 'reject' }), 'continue');
  assert.equal(code({ arc: 'fail' }, { arcFail: 'reject' }), '550 5.7.29');
  assert.equal(code({ dmarc: { result: 'fail', policy: 'reject' } }, {}), '550 5.7.26');
  assert.equal(code({ spf: 'fail', dmarc: { result: 'fail', policy: 'reject' } }, { spfFail: 'reject' }), '550 5.7.26');
});

test('the strictest action wins; tag adds what failed; DNS trouble may defer with 451 4.4.3', () => {
  const both = verdictOf({ spf: 'fail', dmarc: { result: 'fail', policy: 'quarantine' } });
  assert.deepEqual(both.verdict, { kind: 'quarantine', reason: 'dmarc=fail (p=quarantine) header.from=mail.sender.test', rule: 'policy.auth.actions.dmarcQuarantine' });
  assert.deepEqual(verdictOf({ spf: 'fail' }), { verdict: { kind: 'continue' }, tag: 'spf=fail smtp.mailfrom=sender.test' });
  const deferred = verdictOf({ spf: 'temperror', dmarc: { result: 'temperror' } }, { spfTemperror: 'defer' });
  assert.equal(deferred.verdict.kind, 'defer');
  assert.match(JSON.stringify(deferred.verdict), /"code":451,"enhanced":"4.4.3"/);
});

test('DMARC pct=: a message outside the sample gets the next less strict policy (RFC 7489 §6.6.4)', () => {
  const at = (sample: number) => verdictOf({ dmarc: { result: 'fail', policy: 'reject', pct: 30 } }, {}, sample).verdict.kind;
  assert.equal(at(0), 'reject');
  assert.equal(at(29), 'reject');
  assert.equal(at(30), 'quarantine');
  assert.equal(verdictOf({ dmarc: { result: 'fail', policy: 'quarantine', pct: 0 } }, {}, 50).verdict.kind, 'continue');
});

test('our Authentication-Results field: the authserv-id, then one result a line', () => {
  assert.equal(authResultsField('mx.example.test', ['spf=pass smtp.mailfrom=a@b', 'dkim=none\r\n (folded)']), 'Authentication-Results: mx.example.test;\r\n\tspf=pass smtp.mailfrom=a@b;\r\n\tdkim=none (folded)');
  assert.equal(authResultsField('mx.example.test', []), 'Authentication-Results: mx.example.test; none');
});

test('the authserv-id of a field is found past comments, case-insensitive, with or without a version', () => {
  assert.equal(authservIdOf(' (comment; with semicolon) MX.Example.Test 1; spf=pass'), 'mx.example.test');
  assert.equal(authservIdOf('mx.example.test; none'), 'mx.example.test');
  assert.ok(claimsAuthservId('authentication-results :  mx.example.test;\r\n\tdkim=pass', 'mx.example.test'));
  assert.ok(!claimsAuthservId('Authentication-Results: mx.example.test.evil; dkim=pass', 'mx.example.test'));
  assert.ok(!claimsAuthservId('X-Authentication-Results: mx.example.test; dkim=pass', 'mx.example.test'));
});

test('forged fields are cut out of the header section however the message is chunked; the body is untouched', async () => {
  const message = 'Received: by x\r\nAuthentication-Results: mx.example.test;\r\n\tdkim=pass\r\nSubject: s\r\nAuthentication-Results: other; spf=pass\r\n\r\nAuthentication-Results: mx.example.test; body line\r\n';
  const expected = 'Received: by x\r\nSubject: s\r\nAuthentication-Results: other; spf=pass\r\n\r\nAuthentication-Results: mx.example.test; body line\r\n';
  for (const size of [1, 7, 64, 1000]) {
    const chunks = Array.from({ length: Math.ceil(message.length / size) }, (_, i) => Buffer.from(message.slice(i * size, (i + 1) * size)));
    const out = await buffer(Readable.from(withoutHeaderFields(Readable.from(chunks), (f) => claimsAuthservId(f, 'mx.example.test'))));
    assert.equal(out.toString(), expected, `chunks of ${size}`);
  }
});
