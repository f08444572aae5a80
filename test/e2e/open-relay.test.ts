// nmap's smtp-open-relay script (16 relay tricks) against Postern from a client outside relay.networks.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, startPostern, tempDir, writeConfig } from '../helpers/postern-process.ts';

test('nmap smtp-open-relay: "Server doesn\'t seem to be an open relay", and nothing is queued', async (t) => {
  const dir = tempDir();
  t.after(dir.remove);
  const port = await freePort();
  const config = writeConfig(
    dir.path,
    `hostname: mx.example.test\ndataDir: var\nlog: { format: json }\nsmtp: { listeners: [ { address: 127.0.0.1, port: ${port} } ] }\ndomains: [ example.test ]\nrelay: { networks: [ 10.0.0.0/8 ] }\nroutes: { example.test: { type: maildir, path: mail } }\n`,
  );
  const postern = await startPostern(config);
  t.after(() => postern.stop());
  // "+" runs the script on a port nmap does not know as SMTP; the relay target is a domain not ours.
  const scan = spawnSync(
    'nmap',
    ['-Pn', '-p', String(port), '--script', '+smtp-open-relay', '--script-args', 'smtp-open-relay.domain=example.test,smtp-open-relay.ip=127.0.0.1,smtp-open-relay.to=relaytest@elsewhere.example', '127.0.0.1'],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(scan.status, 0, scan.stderr);
  assert.match(scan.stdout, /smtp-open-relay: Server doesn't seem to be an open relay, all tests failed/, scan.stdout);
  const queued = join(dir.path, 'var', 'queue', 'messages');
  assert.deepEqual(existsSync(queued) ? readdirSync(queued) : [], []);
  const logged = await postern.waitForLog((l) => l.msg === 'refused' && l.check === 'relay', 5000);
  assert.match(String(logged.reply), /^550 5\.7\.1 Relaying denied$/);
});
