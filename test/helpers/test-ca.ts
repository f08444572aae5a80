// A throwaway test CA and server certificates made with the openssl CLI, once per test process,
// in a temp dir removed at exit. Used by the SMTP TLS tests and later delivery and LDAP tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertificateFiles {
  keyFile: string;
  certFile: string;
  /** Leaf followed by the CA certificate. */
  chainFile: string;
  key: string;
  cert: string;
  chain: string;
}

export interface TestCa {
  dir: string;
  caFile: string;
  ca: string;
  /** Server certificate for mx.example.test, localhost, 127.0.0.1 and 127.0.0.20–29 (EC P-256). */
  server: CertificateFiles;
  /** Leaf for other names (SNI tests), made on first ask; san like "DNS:mail.example.test,DNS:other.test". */
  leaf(name: string, san: string): CertificateFiles;
}

const LOOPBACK_IPS = ['127.0.0.1', ...Array.from({ length: 10 }, (_, i) => `127.0.0.${20 + i}`)].map((ip) => `IP:${ip}`).join(',');

let made: TestCa | undefined;

export function testCa(): TestCa {
  made ??= makeTestCa();
  return made;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'postern-test-ca-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  openssl(dir, ['req', '-x509', '-new', '-nodes', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=Postern Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);

  const leaves = new Map<string, CertificateFiles>();
  const leaf = (name: string, san: string): CertificateFiles => {
    const known = leaves.get(name);
    if (known) return known;
    if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`test certificate name "${name}" must be [a-z0-9-]+`);
    openssl(dir, ['req', '-new', '-nodes', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    writeFileSync(join(dir, `${name}.ext`), ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth', `subjectAltName=${san}`, ''].join('\n'));
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '825',
      '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
    const key = readFileSync(join(dir, `${name}.key`), 'utf8');
    const cert = readFileSync(join(dir, `${name}.crt`), 'utf8');
    const chain = cert + readFileSync(join(dir, 'ca.crt'), 'utf8');
    writeFileSync(join(dir, `${name}.chain.crt`), chain);
    const files = { keyFile: join(dir, `${name}.key`), certFile: join(dir, `${name}.crt`), chainFile: join(dir, `${name}.chain.crt`), key, cert, chain };
    leaves.set(name, files);
    return files;
  };
  const caFile = join(dir, 'ca.crt');
  return { dir, caFile, ca: readFileSync(caFile, 'utf8'), server: leaf('server', `DNS:mx.example.test,DNS:localhost,${LOOPBACK_IPS}`), leaf };
}
