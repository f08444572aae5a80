// The server's TLS certificates (STARTTLS and implicit TLS): the first is the default, the others
// are chosen by the name the client asks for with SNI (RFC 6066), as Postfix's tls_server_sni_maps.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureContext } from 'node:tls';
import { ConfigError } from '../../config/errors.ts';

export interface CertificateFiles {
  cert: string;
  key: string;
  /** SNI names; empty: the DNS names of the certificate's subjectAltName. */
  names: readonly string[];
}

export interface ServerTls {
  /** For clients that send no SNI name, or one that no certificate names. */
  defaultContext: SecureContext;
  SNICallback(servername: string, callback: (err: Error | null, ctx?: SecureContext) => void): void;
}

function dnsNamesOf(pem: Buffer): string[] {
  const san = new X509Certificate(pem).subjectAltName ?? '';
  return san
    .split(', ')
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4).toLowerCase());
}

/** Exact names first, then "*.example.com" for exactly one more label, as certificate matching does. */
function contextFor(byName: Map<string, SecureContext>, servername: string): SecureContext | undefined {
  const name = servername.toLowerCase().replace(/\.$/, '');
  const dot = name.indexOf('.');
  return byName.get(name) ?? (dot > 0 ? byName.get(`*${name.slice(dot)}`) : undefined);
}

/**
 * Reads and checks every certificate and key; undefined when none is configured. Problems are a
 * ConfigError naming the key (smtp.tls.certificates[i].cert or .key) and what is wrong.
 */
export function loadServerTls(configFile: string, certificates: readonly CertificateFiles[], minVersion: 'TLSv1.2' | 'TLSv1.3'): ServerTls | undefined {
  if (certificates.length === 0) return undefined;
  const problems: string[] = [];
  const contexts: Array<{ context: SecureContext; names: string[] }> = [];
  certificates.forEach((files, i) => {
    const key = `smtp.tls.certificates[${i}]`;
    const read = (which: 'cert' | 'key') => {
      try {
        return readFileSync(files[which]);
      } catch (err) {
        problems.push(`${key}.${which}: cannot read ${files[which]}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        return undefined;
      }
    };
    const cert = read('cert');
    const privateKey = read('key');
    if (!cert || !privateKey) return;
    try {
      const names = files.names.length > 0 ? [...files.names] : dnsNamesOf(cert);
      contexts.push({ context: createSecureContext({ cert, key: privateKey, minVersion }), names });
    } catch (err) {
      problems.push(`${key}: ${files.cert} and ${files.key} are not a usable PEM certificate chain and its private key (${(err as Error).message})`);
    }
  });
  if (problems.length > 0) throw new ConfigError(configFile, problems);

  const byName = new Map<string, SecureContext>();
  for (const { context, names } of contexts) for (const name of names) if (!byName.has(name)) byName.set(name, context);
  const defaultContext = contexts[0]!.context;
  return {
    defaultContext,
    SNICallback(servername, callback) {
      callback(null, contextFor(byName, servername) ?? defaultContext);
    },
  };
}
