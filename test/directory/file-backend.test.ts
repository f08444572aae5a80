import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/errors.ts';
import { expandAddress } from '../../src/directory/expansion.ts';
import { FileDirectory } from '../../src/directory/file-backend.ts';
import { hashPassword, verifyPassword } from '../../src/directory/password-hash.ts';
import { createLogger } from '../../src/log/logger.ts';
import type { Authenticator } from '../../src/smtp/server/authenticator.ts';
import { tempDir } from '../helpers/postern-process.ts';

function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString())), done()) });
  return { logger: createLogger({ level: 'info', format: 'json' }, sink), lines };
}

test('password hashes are self-describing and verify only the right password', async () => {
  const hash = await hashPassword('correct horse', { N: 1024, r: 8, p: 1 });
  assert.match(hash, /^\$scrypt\$N=1024,r=8,p=1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  assert.equal(await verifyPassword('correct horse', hash), true);
  assert.equal(await verifyPassword('correct horsE', hash), false);
  assert.equal(await verifyPassword('correct horse', 'plaintext'), false);
  assert.notEqual(await hashPassword('x'), await hashPassword('x'), 'salted');
});

test('the file backend verifies users by address (domain case-insensitive) and looks up aliases', async (t) => {
  const dir = tempDir();
  t.after(dir.remove);
  const file = join(dir.path, 'users.yaml');
  const hash = await hashPassword('s3cret', { N: 1024, r: 8, p: 1 });
  writeFileSync(file, `# our users\nusers:\n  alice@example.test: { password: "${hash}", aliases: [ a.smith@example.test ] }\n`);
  const directory: Authenticator & FileDirectory = new FileDirectory({ file, logger: capturingLogger().logger });

  assert.equal(await directory.verify('alice@example.test', 's3cret'), 'ok');
  assert.equal(await directory.verify('alice@EXAMPLE.Test', 's3cret'), 'ok');
  assert.equal(await directory.verify('Alice@example.test', 's3cret'), 'fail', 'the local part keeps its case');
  assert.equal(await directory.verify('alice@example.test', 'wrong'), 'fail');
  assert.equal(await directory.verify('bob@example.test', 's3cret'), 'fail');
  assert.equal(await directory.verify('not an address', 's3cret'), 'fail');
  const alice = { kind: 'found', entry: { address: 'alice@example.test', kind: 'user', forwards: [], members: [], source: `file ${file}` } };
  assert.deepEqual(await directory.lookup('a.smith@Example.TEST'), alice);
  assert.deepEqual(await directory.lookup('alice@example.test'), alice);
  assert.deepEqual(await directory.lookup('nobody@example.test'), { kind: 'unknown', source: `file ${file}` });
});

test('a changed file is picked up; a broken change keeps the last good users and logs the file and line', async (t) => {
  const dir = tempDir();
  t.after(dir.remove);
  const file = join(dir.path, 'users.yaml');
  const hash = await hashPassword('one', { N: 1024, r: 8, p: 1 });
  writeFileSync(file, `users:\n  alice@example.test: { password: "${hash}" }\n`);
  const { logger, lines } = capturingLogger();
  const directory = new FileDirectory({ file, logger });
  assert.equal(await directory.verify('alice@example.test', 'one'), 'ok');

  const hash2 = await hashPassword('two', { N: 1024, r: 8, p: 1 });
  writeFileSync(`${file}.new`, `users:\n  alice@example.test: { password: "${hash}" }\n  bob@example.test: { password: "${hash2}" }\n`);
  renameSync(`${file}.new`, file);
  assert.equal(await directory.verify('bob@example.test', 'two'), 'ok');

  writeFileSync(`${file}.new`, `users:\n  alice@example.test: { password: "${hash}" }\n  carol@example.test: { password: "md5:abc" }\n`);
  renameSync(`${file}.new`, file);
  assert.equal(await directory.verify('bob@example.test', 'two'), 'ok', 'last good content kept');
  const error = lines.find((l) => l.msg === 'users file has errors; keeping the last good one');
  assert.ok(error, 'error logged');
  assert.equal(error.file, file);
  assert.match(String((error.problems as string[])[0]), /^line 3: carol@example\.test: not a "\$scrypt/);
});

test('a users file that cannot be read or parsed at start-up is a configuration error naming it', async (t) => {
  const dir = tempDir();
  t.after(dir.remove);
  const missing = join(dir.path, 'missing.yaml');
  assert.throws(() => new FileDirectory({ file: missing, logger: capturingLogger().logger }), (err: unknown) => err instanceof ConfigError && err.message.includes(missing));
  const broken = join(dir.path, 'broken.yaml');
  writeFileSync(broken, 'users:\n  alice@example.test: { password: "x"\n');
  assert.throws(() => new FileDirectory({ file: broken, logger: capturingLogger().logger }), (err: unknown) => err instanceof ConfigError && /line \d/.test(err.message) && err.message.includes(broken));
  const dup = join(dir.path, 'dup.yaml');
  const hash = await hashPassword('p', { N: 1024, r: 8, p: 1 });
  writeFileSync(dup, `users:\n  a@example.test: { password: "${hash}", aliases: [ b@example.test ] }\n  b@EXAMPLE.test: { password: "${hash}" }\n`);
  assert.throws(() => new FileDirectory({ file: dup, logger: capturingLogger().logger }), /line 3: b@example\.test is listed twice/);
});

test('the users file holds groups, forwards and mail hosts; the directory expands and routes from it', async (t) => {
  const dir = tempDir();
  t.after(dir.remove);
  const file = join(dir.path, 'users.yaml');
  const hash = await hashPassword('s3cret', { N: 1024, r: 8, p: 1 });
  writeFileSync(
    file,
    `users:
  alice@example.test: { password: "${hash}", mailHost: 10.0.0.26 }
  info@example.test: { forward: [ alice@example.test, bob@partner.example ] }
groups:
  team@example.test: [ info@example.test, carol@example.test, team@example.test ]
`,
  );
  const directory = new FileDirectory({ file, logger: capturingLogger().logger });
  assert.equal(await directory.verify('info@example.test', ''), 'fail', 'a user without a password cannot authenticate');
  const expansion = await expandAddress('team@example.test', { lookup: (a) => directory.lookup(a), isOurs: (a) => a.endsWith('@example.test'), maxDepth: 8, maxRecipients: 10 });
  assert.equal(expansion.kind, 'ok');
  // carol is unknown: left out of the list; team in itself: a loop, not followed
  assert.deepEqual(expansion.kind === 'ok' && expansion.recipients, [{ address: 'alice@example.test', mailHost: '10.0.0.26' }, { address: 'bob@partner.example' }]);
  assert.deepEqual(expansion.steps.map((s) => `${s.address} ${s.what}`), [
    'team@example.test group', 'info@example.test forward', 'alice@example.test user', 'bob@partner.example external', 'carol@example.test unknown', 'team@example.test seen before',
  ]);
  writeFileSync(join(dir.path, 'bad.yaml'), 'groups:\n  list@example.test: []\n  info@example.test: [ x ]\n');
  assert.throws(() => new FileDirectory({ file: join(dir.path, 'bad.yaml'), logger: capturingLogger().logger }), /line 2: group list@example\.test needs a list of member addresses.*line 3: members of info@example\.test: not an address/s);
});
