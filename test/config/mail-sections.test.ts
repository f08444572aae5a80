import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.ts';
import { routeFor } from '../../src/config/sections/routes.ts';
import { problemsOf } from '../helpers/config-problems.ts';

const FILE = '/etc/postern/postern.yaml';


test('smtp listeners: a bad port and a misspelt role are named by their path', () => {
  const problems = problemsOf('smtp:\n  listeners:\n    - { address: 127.0.0.1, port: 2525 }\n    - { address: 127.0.0.1, port: 25a, role: submision }\n');
  assert.ok(problems.some((p) => p.startsWith('smtp.listeners[1].port: expected a port 1-65535, got "25a"')), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('smtp.listeners[1].role: expected one of mta, submission, submissions, got "submision"')), problems.join('\n'));
});

test('smtp defaults: RFC 5321 limits, normalised line endings', () => {
  const { smtp } = parseConfig('smtp: { listeners: [ { address: "::1", port: 25 } ] }\n', FILE);
  assert.deepEqual(smtp.listeners, [{ address: '::1', port: 25, role: 'mta' }]);
  assert.equal(smtp.limits.maxRecipients, 100);
  assert.equal(smtp.limits.commandTimeout, 300_000);
  assert.equal(smtp.limits.dataTimeout, 180_000);
  assert.equal(smtp.limits.maxMessageSize, 25 * 1024 * 1024);
  assert.equal(smtp.bareLineEndings, 'normalize');
});

test('submission roles need users and a certificate; check-config says which key to add', () => {
  const problems = problemsOf('smtp: { listeners: [ { address: 127.0.0.1, port: 587, role: submission } ] }\n').join('\n');
  assert.match(problems, /^smtp\.listeners\[0\]\.role: role submission needs users to authenticate: add directory\.backends/m);
  assert.match(problems, /^smtp\.listeners\[0\]\.role: role submission needs a TLS certificate: add smtp\.tls\.certificates/m);
  // allowPlaintext lifts the certificate requirement of submission
  parseConfig('smtp: { listeners: [ { address: 127.0.0.1, port: 587, role: submission } ], auth: { allowPlaintext: true } }\ndirectory: { backends: [ { type: file, path: users.yaml } ] }\n', FILE);
  assert.match(problemsOf('smtp: { listeners: [ { address: 127.0.0.1, port: 465, role: submissions } ], auth: { allowPlaintext: true } }\n').join('\n'), /role submissions needs a TLS certificate/);
  assert.match(problemsOf('directory: { backends: [ { type: nis } ] }\n').join('\n'), /^directory\.backends\[0\]\.type: expected a directory backend with type file or ldap, got "nis"/m);
});

test('relay.networks: CIDRs of both families, bare addresses as hosts, bad ones named', () => {
  assert.deepEqual(parseConfig('relay: { networks: [ 10.0.0.0/8, 192.0.2.7, "2001:db8::/32" ] }\n', FILE).relay.networks, ['10.0.0.0/8', '192.0.2.7/32', '2001:db8::/32']);
  assert.deepEqual(parseConfig('', FILE).relay.networks, ['127.0.0.0/8', '::1/128']);
  assert.match(problemsOf('relay: { networks: [ 10.0.0.0/33 ] }\n').join('\n'), /^relay\.networks\[0\]: expected a network/);
  assert.match(problemsOf('relay: { networks: [ example.com ] }\n').join('\n'), /^relay\.networks\[0\]: expected a network/);
});

test('a domain of ours without a route is an error naming it and the fix', () => {
  const problems = problemsOf('domains: [ example.test, other.test ]\nroutes: { example.test: { type: maildir, path: mail } }\n');
  assert.equal(problems.length, 1);
  assert.match(problems[0]!, /^domains\[1\]: other\.test has no route: add a route for it under routes/);
  assert.match(problemsOf('domains: [ example.test ]\nroutes: { "*": { type: mx } }\n').join('\n'), /^domains\[0\]: example\.test is routed by MX: add a route/);
  assert.doesNotThrow(() => parseConfig('domains: [ a.example.test ]\nroutes: { .example.test: { type: maildir, path: mail } }\n', FILE));
});

test('routes: keys are domains, .subdomains or "*"; unknown route types are refused', () => {
  assert.match(problemsOf('routes: { "bad domain!": { type: maildir, path: m } }\n').join('\n'), /as a route's name/);
  assert.match(problemsOf('routes: { example.test: { type: carrier-pigeon } }\n').join('\n'), /^routes\.example\.test\.type: expected a route with type mx or smtp or lmtp or maildir or discard or reject, got "carrier-pigeon"/);
  const routes = { 'example.test': 'exact', '.example.test': 'sub', '.test': 'tld', '*': 'any' };
  assert.equal(routeFor(routes, 'Example.TEST'), 'exact');
  assert.equal(routeFor(routes, 'a.b.example.test'), 'sub');
  assert.equal(routeFor(routes, 'other.test'), 'tld');
  assert.equal(routeFor(routes, 'example.org'), 'any');
  assert.equal(routeFor({ 'example.test': 1 }, 'example.org'), undefined);
});

test('route types: smtp and lmtp next hops with default ports, an lmtp socket, discard and reject', () => {
  const config = parseConfig(
    `routes:
  internal.test: { type: smtp, host: 10.0.0.25 }
  .internal.test: { type: smtp, host: Mail.Internal.Test, port: 2525 }
  lmtp.test: { type: lmtp, host: 127.0.0.1 }
  sock.test: { type: lmtp, socket: /run/dovecot/lmtp }
  spam.test: { type: discard }
  old.test: { type: reject }
  "*": { type: smtp, host: smarthost.example.net, port: 587 }
`,
    FILE,
  );
  assert.deepEqual(config.routes, {
    'internal.test': { type: 'smtp', host: '10.0.0.25', port: 25 },
    '.internal.test': { type: 'smtp', host: 'mail.internal.test', port: 2525 },
    'lmtp.test': { type: 'lmtp', host: '127.0.0.1', port: 24 },
    'sock.test': { type: 'lmtp', socket: '/run/dovecot/lmtp' },
    'spam.test': { type: 'discard' },
    'old.test': { type: 'reject', message: 'Mail for this domain is not accepted' },
    '*': { type: 'smtp', host: 'smarthost.example.net', port: 587 },
  });
  assert.match(problemsOf('routes: { a.test: { type: lmtp, host: 127.0.0.1, socket: /x } }\n').join('\n'), /^routes\.a\.test: an lmtp route needs either host/m);
  assert.match(problemsOf('routes: { a.test: { type: lmtp, socket: relative/path } }\n').join('\n'), /^routes\.a\.test\.socket: expected an absolute path/m);
  assert.match(problemsOf('routes: { a.test: { type: smtp, host: "not a host!" } }\n').join('\n'), /^routes\.a\.test\.host: expected a host name or IP address/m);
  assert.match(problemsOf('routes: { a.test: { type: smtp } }\n').join('\n'), /^routes\.a\.test\.host: expected a host name or IP address, got nothing/m);
});

test('delivery and queue timing keys: defaults and overrides', () => {
  const defaults = parseConfig('', FILE);
  assert.deepEqual({ ...defaults.delivery, tls: undefined }, { port: 25, maxConnections: 100, perDestination: { initial: 5, max: 20 }, messagesPerConnection: 20, connectTimeout: 30_000, tls: undefined });
  assert.deepEqual({ ...defaults.queue, minFree: undefined }, { minFree: undefined, retry: { min: 300_000, max: 3_600_000 }, delayWarning: 4 * 3_600_000, lifetime: 5 * 86_400_000 });
  const set = parseConfig('delivery: { sourceAddress: 192.0.2.25, heloName: Out.Example.Test, port: 2525 }\nqueue: { retry: { min: 1m }, lifetime: 2d }\n', FILE);
  assert.equal(set.delivery.sourceAddress, '192.0.2.25');
  assert.equal(set.delivery.heloName, 'out.example.test');
  assert.equal(set.queue.retry.min, 60_000);
  assert.equal(set.queue.lifetime, 2 * 86_400_000);
  assert.match(problemsOf('delivery: { sourceAddress: nowhere }\n').join('\n'), /^delivery\.sourceAddress: expected an IP address/m);
});
