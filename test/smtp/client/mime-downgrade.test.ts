import assert from 'node:assert/strict';
import { test } from 'node:test';
import { downgraded, planDowngrade } from '../../../src/smtp/client/mime-downgrade.ts';
import { qpEncodeLine } from '../../../src/smtp/client/quoted-printable.ts';

async function* one(text: string): AsyncGenerator<Buffer> {
  yield Buffer.from(text, 'utf8');
}

async function convert(lines: string[]): Promise<{ out?: string[]; problem?: string; eightBit: boolean }> {
  const text = `${lines.join('\r\n')}\r\n`;
  const plan = await planDowngrade(one(text));
  if (!plan.eightBit || plan.problem) return { eightBit: plan.eightBit, problem: plan.problem };
  const chunks: Buffer[] = [];
  for await (const c of downgraded(one(text), plan)) chunks.push(c);
  return { eightBit: true, out: Buffer.concat(chunks).toString('latin1').split('\r\n').slice(0, -1) };
}

test('quoted-printable like Postfix: =XX for 8-bit and "=", soft breaks past 76 characters, trailing white space encoded', () => {
  assert.deepEqual(qpEncodeLine('a=b\xe4'), ['a=3Db=E4']);
  assert.deepEqual(qpEncodeLine('tab\tend\t'), ['tab\tend=09']);
  assert.deepEqual(qpEncodeLine('x '), ['x=20']);
  const long = qpEncodeLine('y'.repeat(200));
  assert.deepEqual(long.map((l) => l.length), [74, 74, 54]);
  assert.ok(long.slice(0, -1).every((l) => l.endsWith('=')));
  assert.ok(qpEncodeLine('\xe4'.repeat(60)).every((l) => l.length <= 76));
});

test('a message without MIME headers gets them, with charset=unknown-8bit (RFC 1428)', async () => {
  assert.deepEqual((await convert(['Subject: hi', '', 'Gr\u00fc\u00dfe'])).out, [
    'Subject: hi', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=unknown-8bit', 'Content-Transfer-Encoding: quoted-printable', '', 'Gr=C3=BC=C3=9Fe',
  ]);
});

test('a 7-bit message needs nothing', async () => {
  assert.deepEqual(await convert(['Subject: hi', 'Content-Transfer-Encoding: 8bit', '', 'plain']), { eightBit: false, problem: undefined });
});

test('only the parts with 8-bit bytes are converted; a part without Content-Transfer-Encoding too; message/rfc822 is walked into', async () => {
  const { out } = await convert([
    'MIME-Version: 1.0', 'Content-Type: multipart/mixed;', ' boundary=outer', '', '--outer', 'Content-Type: text/plain', '', 'ascii = fine', '--outer',
    'Content-Type: text/plain; charset=latin1', '', 'caf\u00e9', '--outer', 'Content-Type: message/rfc822', 'Content-Transfer-Encoding: 8bit', '',
    'Subject: inner', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', '\u00e9t\u00e9', '--outer--', 'epilogue',
  ]);
  assert.deepEqual(out, [
    'MIME-Version: 1.0', 'Content-Type: multipart/mixed;', ' boundary=outer', '', '--outer', 'Content-Type: text/plain', '', 'ascii = fine', '--outer',
    'Content-Type: text/plain; charset=latin1', 'Content-Transfer-Encoding: quoted-printable', '', 'caf=C3=A9', '--outer', 'Content-Type: message/rfc822',
    'Content-Transfer-Encoding: 7bit', '', 'Subject: inner', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable', '',
    '=C3=A9t=C3=A9', '--outer--', 'epilogue',
  ]);
});

test('what cannot be converted is refused: 8-bit headers, message/partial bodies, preambles, nesting too deep', async () => {
  assert.match((await convert(['Subject: \u00e9', '', 'x'])).problem!, /8-bit data in a message header/);
  assert.match((await convert(['Content-Type: multipart/mixed; boundary=b', '', '--b', 'X-Name: \u00e9', '', 'x', '--b--'])).problem!, /header/);
  assert.match((await convert(['Content-Type: message/partial; id=1', '', 'Subject: x', '', '\u00e9'])).problem!, /8-bit data in a message\/partial body/);
  assert.match((await convert(['Content-Type: multipart/mixed; boundary=b', '', 'pre\u00e9mble', '--b', '', 'x', '--b--'])).problem!, /outside the parts/);
  const deep: string[] = [];
  for (let i = 0; i < 25; i++) deep.push(`Content-Type: multipart/mixed; boundary=b${i}`, '', `--b${i}`);
  deep.push('', '\u00e9');
  assert.match((await convert(deep)).problem!, /nesting/);
});
