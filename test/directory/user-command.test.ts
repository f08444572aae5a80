// `postern user …` as an administrator runs it: passwords on stdin, the users file edited in place.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileDirectory } from '../../src/directory/file-backend.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { POSTERN_BIN, runPostern, tempDir } from '../helpers/postern-process.ts';

function user(args: string[], password?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [POSTERN_BIN, 'user', ...args], { input: password ?? '', encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('user add, passwd, list and del keep comments and other entries, and the backend accepts the passwords', async (t) => {
  const dir = tempDir();
  t.after(dir.remove);
  const file = join(dir.path, 'users.yaml');

  const added = user(['add', 'alice@Example.TEST', '--file', file], 'first password\n');
  assert.equal(added.status, 0, added.stderr);
  assert.equal(statSync(file).mode & 0o777, 0o600, 'a new users file is private');
  writeFileSync(file, `# managed by hand and by postern user\n${readFileSync(file, 'utf8')}`);
  assert.equal(user(['add', 'bob@example.test', '--file', file], 'bob pw').status, 0);

  const directory = new FileDirectory({ file, logger: silentLogger() });
  assert.equal(await directory.verify('alice@example.test', 'first password'), 'ok');
  assert.equal(await directory.verify('bob@example.test', 'bob pw'), 'ok');

  assert.equal(user(['passwd', 'alice@example.test', '--file', file], 'second\n').status, 0);
  assert.equal(await directory.verify('alice@example.test', 'first password'), 'fail');
  assert.equal(await directory.verify('alice@example.test', 'second'), 'ok');

  const again = user(['add', 'alice@example.test', '--file', file], 'x');
  assert.equal(again.status, 1);
  assert.match(again.stderr, /alice@example\.test already exists/);

  assert.equal(user(['list', '--file', file]).stdout, 'alice@example.test\nbob@example.test\n');
  assert.equal(user(['del', 'bob@EXAMPLE.test', '--file', file]).status, 0);
  assert.equal(user(['list', '--file', file]).stdout, 'alice@example.test\n');
  assert.equal(await directory.verify('bob@example.test', 'bob pw'), 'fail');
  assert.match(readFileSync(file, 'utf8'), /^# managed by hand and by postern user\n/);
  assert.doesNotMatch(readFileSync(file, 'utf8'), /first password|second/, 'only hashes are stored');
});

test('postern help user shows the sub-verbs', () => {
  const help = runPostern(['help', 'user']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /add ADDRESS[\s\S]*passwd ADDRESS[\s\S]*del ADDRESS[\s\S]*list/);
});

test('user refuses empty passwords, unknown users and broken files without touching the file', (t) => {
  const dir = tempDir();
  t.after(dir.remove);
  const file = join(dir.path, 'users.yaml');
  const empty = user(['add', 'alice@example.test', '--file', file], '\n');
  assert.equal(empty.status, 1);
  assert.match(empty.stderr, /empty password refused/);

  const missing = user(['del', 'nobody@example.test', '--file', file]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /users\.yaml/);

  writeFileSync(file, 'users:\n  alice@example.test: { password: "plain" }\n');
  const broken = user(['passwd', 'alice@example.test', '--file', file], 'new');
  assert.equal(broken.status, 1);
  assert.match(broken.stderr, /line 2: alice@example\.test: not a "\$scrypt/);
  assert.equal(readFileSync(file, 'utf8'), 'users:\n  alice@example.test: { password: "plain" }\n');

  const usage = user(['add', '--file', file]);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /usage: postern user/);
});

test('without --file, user works on the first file backend of the configuration, and says what to do when there is none', (t) => {
  const dir = tempDir();
  t.after(dir.remove);
  const config = join(dir.path, 'postern.yaml');
  writeFileSync(config, `dataDir: ./var\ndirectory: { backends: [ { type: file, path: users.yaml } ] }\n`);
  assert.equal(user(['add', 'carol@example.test', '--config', config], 'pw').status, 0);
  assert.equal(user(['list', '--config', config]).stdout, 'carol@example.test\n');
  assert.match(readFileSync(join(dir.path, 'users.yaml'), 'utf8'), /carol@example\.test/);

  const bare = join(dir.path, 'bare.yaml');
  writeFileSync(bare, 'dataDir: ./var\n');
  const none = user(['list', '--config', bare]);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /no file backend in directory\.backends: give the users file with --file PATH/);
});
