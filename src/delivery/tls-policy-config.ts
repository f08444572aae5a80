// delivery.tls made into the delivery's TLS policy: the CA files read (a problem is a
// ConfigError naming the key), a resolver of its own for DANE that asks only the validating
// resolvers the configuration names, and the MTA-STS policy cache.
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { ConfigError } from '../config/errors.ts';
import type { Config } from '../config/schema.ts';
import { Resolver } from '../dns/resolver/resolver.ts';
import type { Logger } from '../log/logger.ts';
import { MtaStsPolicies } from './mta-sts.ts';
import { TlsPolicy } from './tls-policy.ts';

export interface ConfiguredTlsPolicy {
  policy: TlsPolicy;
  /** Ends the DANE resolver's queries. */
  close(): void;
}

/** The bundled roots and the files' certificates; undefined without files, so Node keeps its defaults. */
function trustedCas(configFile: string, key: string, files: readonly string[]): string[] | undefined {
  if (files.length === 0) return undefined;
  const problems: string[] = [];
  const pems = files.map((file, i) => {
    try {
      const pem = readFileSync(file, 'utf8');
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) problems.push(`${key}[${i}]: ${file} holds no PEM certificate ("-----BEGIN CERTIFICATE-----"); give a CA certificate file in PEM form`);
      return pem;
    } catch (err) {
      problems.push(`${key}[${i}]: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; give a readable CA certificate file in PEM form`);
      return '';
    }
  });
  if (problems.length > 0) throw new ConfigError(configFile, problems);
  return [...rootCertificates, ...pems];
}

export function tlsPolicyOf(config: Config, resolver: Resolver, logger: Logger): ConfiguredTlsPolicy {
  const { tls } = config.delivery;
  const ca = trustedCas(config.configFile, 'delivery.tls.ca', tls.ca);
  const daneResolver =
    tls.dane.resolver &&
    new Resolver({ servers: tls.dane.resolver, timeoutMs: config.resolver.timeout, attempts: config.resolver.attempts, cacheSize: config.resolver.cacheSize, logger });
  const policies = new MtaStsPolicies({ resolver, port: tls.mtaSts.port, ca: trustedCas(config.configFile, 'delivery.tls.mtaSts.ca', tls.mtaSts.ca), cacheSize: tls.mtaSts.cacheSize, logger });
  return {
    policy: new TlsPolicy({ default: tls.default, domains: tls.domains, ca, daneResolver, mtaSts: { everywhere: tls.mtaSts.enabled, policies }, logger }),
    close: () => daneResolver?.close(),
  };
}
