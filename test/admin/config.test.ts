// The admin section: no listener unless asked for, a token required, errors that name the key and the fix.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { adminSettingsOf } from '../../src/admin/settings.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { parseConfig } from '../../src/config/load.ts';
import { CONFIG_FILE, problemsOf } from '../helpers/config-problems.ts';
import { scratchDir } from '../helpers/scratch-dirs.ts';

test('without an admin section there is no admin listener; with one, loopback port 8025 by default', () => {
  assert.equal(adminSettingsOf(parseConfig('hostname: mx.example.test\n', CONFIG_FILE)), undefined);
  const settings = adminSettingsOf(parseConfig('admin: { token: 0123456789abcdef0123 }\n', CONFIG_FILE))!;
  assert.deepEqual(settings.listen, { address: '127.0.0.1', port: 8025 });
  assert.deepEqual(settings.tokens, [{ name: 'admin', token: '0123456789abcdef0123' }]);
  assert.equal(settings.metricsPublic, false);
  assert.equal(settings.tls, undefined);
});

test('a token is required, one way only, and the listen address is checked', () => {
  assert.deepEqual(problemsOf('admin: { listen: "127.0.0.1:9000" }\n'), [
    'admin.token: the admin API needs a bearer token: add admin.token (e.g. the output of "openssl rand -hex 24") or admin.tokenFile: /etc/postern/admin.token',
  ]);
  assert.deepEqual(problemsOf('admin: { token: abc, tokenFile: t.txt }\n'), ['admin.tokenFile: give admin.token or admin.tokenFile, not both']);
  assert.match(problemsOf('admin: { token: abc, listen: "localhost:80" }\n')[0]!, /^admin\.listen: expected "address:port" with an IP address/);
  assert.match(problemsOf('admin: { tokens: [ { name: "a b", token: x } ] }\n')[0]!, /^admin\.tokens\.0\.name|^admin\.tokens\[0\]\.name/);
});

test('tokenFile is read at start; a missing or empty one names the key and the fix', async () => {
  const dir = await scratchDir();
  const file = join(dir, 'admin.token');
  writeFileSync(file, '  s3cret-token-from-a-file\n');
  const config = (tokenFile: string) => parseConfig(`admin: { tokenFile: ${tokenFile}, tokens: [ { name: grafana, token: other-token } ] }\n`, join(dir, 'postern.yaml'));
  assert.deepEqual(adminSettingsOf(config(file))!.tokens, [
    { name: 'admin', token: 's3cret-token-from-a-file' },
    { name: 'grafana', token: 'other-token' },
  ]);
  assert.throws(() => adminSettingsOf(config(join(dir, 'missing.token'))), (err: unknown) => err instanceof ConfigError && /^admin\.tokenFile: cannot read .*missing\.token: ENOENT; create it with e\.g\. "openssl rand -hex 24 > /.test(err.problems[0]!));
  writeFileSync(file, '\n');
  assert.throws(() => adminSettingsOf(config(file)), (err: unknown) => err instanceof ConfigError && /^admin\.tokenFile: .* is empty/.test(err.problems[0]!));
});
