// A test's own OpenLDAP slapd (Debian's), never Debian's default instance: its own slapd.conf,
// mdb database and schema in a temp dir, listening on a 127.0.0.x address, loaded from an LDIF
// with slapadd before it starts. It can be stopped and started again on the same port with the
// same data (a directory outage and its return), or paused (a directory that hangs).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { startDaemon, type CleanupScope, type Daemon } from './daemon.ts';
import { freePort, tempDir } from './postern-process.ts';

const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';

export const LDAP_SUFFIX = 'dc=example,dc=test';
export const LDAP_ROOT_DN = `cn=admin,${LDAP_SUFFIX}`;
export const LDAP_ROOT_PASSWORD = 'rootsecret';

// mailForwardingAddress is not in Debian's schemas: this is qmail-ldap's definition (its OIDs),
// which Postfix's LDAP_README uses too; misc.schema has mailLocalAddress and mailHost.
const FORWARD_SCHEMA = `attributetype ( 1.3.6.1.4.1.7914.1.2.1.4 NAME 'mailForwardingAddress'
  DESC 'Address(es) to forward all incoming messages to'
  EQUALITY caseIgnoreIA5Match SUBSTR caseIgnoreIA5SubstringsMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.26{256} )
objectclass ( 1.3.6.1.4.1.7914.1.2.2.1 NAME 'qmailUser' SUP top AUXILIARY MAY ( mailForwardingAddress ) )
`;

export interface Slapd {
  host: string;
  port: number;
  url: string;
  /** ldaps:// on its own port, when started with tls. */
  ldapsUrl?: string;
  /** Stops slapd (SIGTERM); its data stays for start(). */
  stop(): Promise<void>;
  /** Starts it again on the same address, port and data. */
  start(): Promise<void>;
  /** SIGSTOP: connections are accepted by the kernel but never answered. */
  pause(): void;
  resume(): void;
}

export interface SlapdOptions {
  host?: string;
  /** Server certificate and key: StartTLS on the plain port and ldaps:// on another. */
  tls?: { certFile: string; keyFile: string };
}

/** The base entries (suffix, ou=people, ou=groups) that every test directory starts with. */
export const BASE_LDIF = `dn: ${LDAP_SUFFIX}
objectClass: dcObject
objectClass: organization
dc: example
o: Example Test

dn: ou=people,${LDAP_SUFFIX}
objectClass: organizationalUnit
ou: people

dn: ou=groups,${LDAP_SUFFIX}
objectClass: organizationalUnit
ou: groups
`;

export async function startSlapd(t: CleanupScope, ldif: string, options: SlapdOptions = {}): Promise<Slapd> {
  const host = options.host ?? '127.0.0.20';
  const dir = tempDir('postern-slapd-');
  mkdirSync(join(dir.path, 'db'));
  writeFileSync(join(dir.path, 'forward.schema'), FORWARD_SCHEMA);
  const tls = options.tls ? `TLSCertificateFile ${options.tls.certFile}\nTLSCertificateKeyFile ${options.tls.keyFile}\n` : '';
  const conf = join(dir.path, 'slapd.conf');
  writeFileSync(
    conf,
    `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/misc.schema
include ${join(dir.path, 'forward.schema')}
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile ${join(dir.path, 'slapd.pid')}
argsfile ${join(dir.path, 'slapd.args')}
loglevel none
sizelimit 500
${tls}
database mdb
maxsize 104857600
suffix "${LDAP_SUFFIX}"
rootdn "${LDAP_ROOT_DN}"
rootpw ${LDAP_ROOT_PASSWORD}
directory ${join(dir.path, 'db')}
index objectClass eq
index uid,mail,mailLocalAddress eq
access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to * by * read
`,
  );
  writeFileSync(join(dir.path, 'data.ldif'), ldif);
  const loaded = spawnSync(SLAPADD, ['-q', '-f', conf, '-l', join(dir.path, 'data.ldif')], { encoding: 'utf8' });
  if (loaded.status !== 0) {
    dir.remove();
    throw new Error(`slapadd failed: ${loaded.stderr}`);
  }
  const port = await freePort(host);
  const ldapsPort = options.tls ? await freePort(host) : undefined;
  const listen = `ldap://${host}:${port}/${ldapsPort ? ` ldaps://${host}:${ldapsPort}/` : ''}`;
  let daemon: Daemon | undefined;

  // A paused slapd would ignore the SIGTERM of the clean-up: it is continued first.
  t.after(() => daemon?.child.kill('SIGCONT'));
  const start = async () => {
    daemon = startDaemon(t, SLAPD, ['-d', '0', '-h', listen, '-f', conf], { remove: () => dir.remove() });
    for (let i = 0; i < 200; i++) {
      if (daemon.exited()) throw new Error(`slapd exited: ${daemon.stderr()}`);
      if (await accepts(host, port)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`slapd did not listen on ${host}:${port}: ${daemon.stderr()}`);
  };
  await start();
  return {
    host,
    port,
    url: `ldap://${host}:${port}`,
    ...(ldapsPort ? { ldapsUrl: `ldaps://${host}:${ldapsPort}` } : {}),
    stop: async () => daemon?.stop(),
    start,
    pause: () => daemon?.child.kill('SIGSTOP'),
    resume: () => daemon?.child.kill('SIGCONT'),
  };
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}
