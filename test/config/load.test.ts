import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/errors.ts';
import { BUNDLED_CONFIG, configFileFrom, loadConfig, parseConfig } from '../../src/config/load.ts';
import { problemsOf } from '../helpers/config-problems.ts';


test('the bundled configuration is valid and listens on loopback only', () => {
  const config = loadConfig(BUNDLED_CONFIG);
  assert.ok(config.dns.listen.length > 0);
  for (const ep of config.dns.listen) assert.match(ep.address, /^127\./);
  for (const ep of config.resolver.servers ?? []) assert.match(ep.address, /^127\./);
});

test('an empty file gives every default', () => {
  const config = parseConfig('', '/etc/postern/postern.yaml');
  assert.equal(config.dataDir, '/etc/postern/var');
  assert.deepEqual(config.log, { level: 'info', format: 'pretty' });
  assert.equal(config.resolver.timeout, 2000);
  assert.equal(config.resolver.attempts, 2);
  assert.equal(config.resolver.servers, undefined);
  assert.equal(config.dns.workers, 'auto');
  assert.equal(config.dns.tcpIdleTimeout, 10_000);
  assert.equal(config.shutdownTimeout, 30_000);
  assert.deepEqual(config.dns.listen, []);
});

test('errors name the key path, what is expected and what was found', () => {
  assert.deepEqual(problemsOf('dns: { listen: [ "127.0.0.1:5353", "127.0.0.1:25a" ] }'), [
    'dns.listen[1]: expected "address:port" with an IP address and a port 1-65535 (e.g. "127.0.0.1:53" or "[::1]:53"), got "127.0.0.1:25a"',
  ]);
  assert.deepEqual(problemsOf('dns: { tcpIdleTimeout: 5x }'), ['dns.tcpIdleTimeout: expected a duration like 30s, 5m, 4h or 5d, got "5x"']);
  assert.deepEqual(problemsOf('log: { level: loud }'), ['log.level: expected one of fatal, error, warn, info, debug, trace, silent, got "loud"']);
  assert.deepEqual(problemsOf('resolver: { attempts: 0 }'), ['resolver.attempts: expected a whole number of at least 1, got 0']);
  assert.deepEqual(problemsOf('hostname: "bad name!"'), ['hostname: expected a domain name like example.com, got "bad name!"']);
  assert.deepEqual(problemsOf('dns: { zones: [ { name: example.test } ] }'), ['dns.zones[0].file: expected a file path, got nothing']);
});

test('unknown keys are errors, with a suggestion for a typo', () => {
  assert.deepEqual(problemsOf('log: { level: info, formt: json }'), ['log.formt: unknown key; did you mean "format"?']);
  const [problem] = problemsOf('nonsense: 1');
  assert.match(problem, /^nonsense: unknown key; known keys here: hostname, dataDir, /);
  assert.deepEqual(problemsOf('dns: { zones: [ { name: a.test, file: a, tyep: primary } ] }'), ['dns.zones[0].tyep: unknown key; did you mean "type"?']);
});

test('all problems are reported at once', () => {
  assert.equal(problemsOf('log: { level: loud, format: xml }\nresolver: { timeout: never }').length, 3);
});

test('a zone listed twice is an error; names are normalised', () => {
  assert.deepEqual(problemsOf('dns: { zones: [ { name: Example.Test., file: a }, { name: example.test, file: b } ] }'), [
    'dns.zones[1].name: zone example.test is listed twice; list each zone once',
  ]);
});

test('YAML syntax errors and duplicate keys name the line', () => {
  const [syntax] = problemsOf('dns:\n  listen: [ "a"\nlog: {');
  assert.match(syntax, /^line \d+: /);
  const [dup] = problemsOf('log: { level: info }\nlog: { level: debug }');
  assert.match(dup, /^line 2: .*unique/i);
});

test('relative paths resolve against the configuration file folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'postern-config-'));
  const file = join(dir, 'postern.yaml');
  writeFileSync(file, 'dataDir: state\ndns: { zones: [ { name: example.test, file: zones/example.test.zone } ] }\n');
  const config = loadConfig(file);
  assert.equal(config.dataDir, join(dir, 'state'));
  assert.equal(config.dns.zones[0].file, join(dir, 'zones/example.test.zone'));
  assert.equal(config.configFile, file);
});

test('--config wins over POSTERN_CONFIG, which wins over the bundled file', () => {
  assert.equal(configFileFrom('/a.yaml', { POSTERN_CONFIG: '/b.yaml' }), '/a.yaml');
  assert.equal(configFileFrom(undefined, { POSTERN_CONFIG: '/b.yaml' }), '/b.yaml');
  assert.equal(configFileFrom(undefined, {}), BUNDLED_CONFIG);
});

test('a missing file is a configuration error naming the file', () => {
  assert.throws(() => loadConfig('/nonexistent/postern.yaml'), (err: ConfigError) => err instanceof ConfigError && /cannot read the file/.test(err.message));
});
