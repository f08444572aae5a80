import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMailCommand } from '../../../../src/smtp/server/syntax/mail.ts';

const ctx = { maxMessageSize: 10_000_000, tls: false };

function refused(arg: string, context = ctx): string {
  const r = parseMailCommand(arg, context);
  assert.equal(r.ok, false, `expected a refusal of ${JSON.stringify(arg)}`);
  return r.ok ? '' : `${r.reply.code} ${r.reply.enhanced}`;
}

test('reverse paths that are accepted, in canonical form', () => {
  const cases: Array<[string, string]> = [
    [' FROM:<alice@example.com>', 'alice@example.com'],
    [' from:<Alice@Example.COM>', 'Alice@example.com'],
    [' FROM: <alice@example.com>', 'alice@example.com'],
    [' FROM:<>', ''],
    [' FROM:<"john smith"@example.com>', '"john smith"@example.com'],
    [' FROM:<"a\\"b"@example.com>', '"a\\"b"@example.com'],
    [' FROM:<user+tag@example.com>', 'user+tag@example.com'],
    [" FROM:<o'brien@example.com>", "o'brien@example.com"],
    [' FROM:<user@[192.0.2.1]>', 'user@[192.0.2.1]'],
    [' FROM:<user@[IPv6:2001:db8::1]>', 'user@[ipv6:2001:db8::1]'],
    [' FROM:<@relay1.example,@relay2.example:user@example.com>', 'user@example.com'],
  ];
  for (const [arg, sender] of cases) {
    const r = parseMailCommand(arg, ctx);
    assert.ok(r.ok, `${arg}: ${r.ok ? '' : r.reply.text}`);
    assert.equal(r.sender, sender, arg);
  }
});

test('bad reverse paths: 501 5.1.7; a bad command form: 501 5.5.4', () => {
  for (const arg of [' FROM:alice@example.com', ' FROM:<alice@example.com', ' FROM:<alice>', ' FROM:<@example.com>', ' FROM:<alice@>', ' FROM:<alice@example.com.>',
    ' FROM:<alice@exa mple.com>', ' FROM:<alice..b@example.com>', ' FROM:<.alice@example.com>', ' FROM:<alice@-example.com>', ' FROM:<alice@[300.1.1.1]>',
    ' FROM:<alice@[IPv6:zz]>', ' FROM:<"unterminated@example.com>', ' FROM:<a\u0000b@example.com>', ` FROM:<${'a'.repeat(65)}@example.com>`,
    ` FROM:<a@${'b'.repeat(64)}.com>`, ' FROM:<alice@example.com>SIZE=1', ' FROM:<Postmaster>']) {
    assert.equal(refused(arg), '501 5.1.7', arg);
  }
  for (const arg of ['', ' FROM', ' TO:<a@b.c>', 'FROM:<a@b.c>', ' FROM;<a@b.c>']) assert.equal(refused(arg), '501 5.5.4', JSON.stringify(arg));
});

test('SIZE, BODY, SMTPUTF8, RET, ENVID, AUTH', () => {
  const r = parseMailCommand(' FROM:<a@example.com> SIZE=1000 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ+2BA AUTH=<>', ctx);
  assert.ok(r.ok);
  assert.deepEqual(r.params, { body: '8bitmime', smtputf8: true, requireTls: false, ret: 'hdrs', envid: 'QQ+A', declaredSize: 1000 });
  assert.deepEqual(parseMailCommand(' FROM:<a@example.com> body=7bit ret=full', ctx), { ok: true, sender: 'a@example.com', params: { body: '7bit', smtputf8: false, requireTls: false, ret: 'full' } });
  assert.equal(refused(' FROM:<a@example.com> SIZE=10000001'), '552 5.3.4');
  assert.equal(refused(' FROM:<a@example.com> SIZE=12a'), '501 5.5.4');
  assert.equal(refused(' FROM:<a@example.com> BODY=BINARYMIME'), '501 5.5.4');
  assert.equal(refused(' FROM:<a@example.com> RET=ALL'), '501 5.5.4');
  assert.equal(refused(' FROM:<a@example.com> ENVID=+ZZ'), '501 5.5.4');
  assert.equal(refused(` FROM:<a@example.com> ENVID=${'x'.repeat(101)}`), '501 5.5.4');
  assert.equal(refused(' FROM:<a@example.com> SIZE=1 SIZE=2'), '501 5.5.4');
  assert.equal(refused(' FROM:<a@example.com> SMTPUTF8=yes'), '501 5.5.4');
  assert.equal(refused(' FROM:<a@example.com> X-FOO=bar'), '555 5.5.4');
  assert.equal(refused(' FROM:<a@example.com> =x'), '501 5.5.4');
});

test('REQUIRETLS only under TLS', () => {
  assert.equal(refused(' FROM:<a@example.com> REQUIRETLS'), '555 5.5.4');
  const r = parseMailCommand(' FROM:<a@example.com> REQUIRETLS', { ...ctx, tls: true });
  assert.ok(r.ok && r.params.requireTls);
});

test('UTF-8 addresses need SMTPUTF8 (RFC 6531)', () => {
  assert.equal(refused(' FROM:<jörg@example.com>'), '553 5.6.7');
  assert.equal(refused(' FROM:<joerg@bücher.example>'), '553 5.6.7');
  const r = parseMailCommand(' FROM:<jörg@Bücher.example> SMTPUTF8', ctx);
  assert.ok(r.ok);
  assert.equal(r.sender, 'jörg@bücher.example');
  assert.equal(refused(' FROM:<a@b\u00ad\u0000.example> SMTPUTF8'), '501 5.1.7');
});
