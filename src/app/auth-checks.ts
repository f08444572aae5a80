// The sender-authentication and DKIM-signing checks, built from policy.auth and policy.dkim. Key
// files are read here, while Postern still runs as root; a key that cannot serve stops start-up
// (or a reload) with the key's path in the configuration and the command that makes a new one.
import { ConfigError } from '../config/errors.ts';
import type { Config } from '../config/schema.ts';
import type { Resolver } from '../dns/resolver/resolver.ts';
import type { Logger } from '../log/logger.ts';
import type { SmtpCheck } from '../policy/check.ts';
import { DkimKeyError, readSigningKey, type DkimSigningKey } from '../policy/dkim-key.ts';
import { dkimSignCheck } from '../policy/dkim-sign.ts';
import { senderAuthCheck } from '../policy/sender-auth.ts';

/** A key file's problem as a configuration problem: the key path, what is wrong, and the command that makes a key. */
function keyProblem(path: string, file: string, domain: string, selector: string, err: unknown): string {
  const why = err instanceof DkimKeyError ? err.message : `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
  return `${path}: ${why}; make a key with "postern dkim keygen ${domain} ${selector}" and publish the TXT record it prints`;
}

interface KeyEntry {
  path: string;
  file: string;
  domain: string;
  selector: string;
}

/** Every key read, or one ConfigError naming each that cannot serve. */
function readKeys(config: Config, entries: KeyEntry[]): DkimSigningKey[] {
  const problems: string[] = [];
  const keys = entries.map((entry) => {
    try {
      return readSigningKey(entry.file);
    } catch (err) {
      problems.push(keyProblem(entry.path, entry.file, entry.domain, entry.selector, err));
      return undefined;
    }
  });
  if (problems.length > 0) throw new ConfigError(config.configFile, problems);
  return keys as DkimSigningKey[];
}

/** The end-of-data check that comes before all others; none when policy.auth is off. */
export function senderAuthChecks(config: Config, services: { resolver: Resolver; logger: Logger }): SmtpCheck[] {
  const auth = config.policy.auth;
  if (!auth.enabled) return [];
  const sealEntry = auth.seal && { path: 'policy.auth.seal.key', file: auth.seal.key, domain: auth.seal.domain, selector: auth.seal.selector };
  const sealKey = sealEntry && readKeys(config, [sealEntry])[0]!;
  if (sealEntry && sealKey?.type !== 'rsa') {
    throw new ConfigError(config.configFile, [`policy.auth.seal.key: ARC seals are made with rsa-sha256 only, and this is an ${sealKey?.type} key; make an RSA key with "postern dkim keygen ${sealEntry.domain} ${sealEntry.selector}"`]);
  }
  const seal = sealEntry && sealKey && { domain: sealEntry.domain, selector: sealEntry.selector, privateKey: sealKey.pem };
  return [
    senderAuthCheck({
      authservId: auth.authservId ?? config.hostname,
      dmarc: auth.dmarc,
      arc: auth.arc,
      minKeyBits: auth.minKeyBits,
      actions: auth.actions,
      seal,
      resolver: services.resolver,
      logger: services.logger,
    }),
  ];
}

/** The check that comes after all others; none without policy.dkim.sign. */
export function dkimSignChecks(config: Config, logger: Logger): SmtpCheck[] {
  const entries = config.policy.dkim.sign;
  if (entries.length === 0) return [];
  const keys = readKeys(config, entries.map((entry, i) => ({ path: `policy.dkim.sign[${i}].key`, file: entry.key, domain: entry.domain, selector: entry.selector })));
  const signers = entries.map((entry, i) => ({ domain: entry.domain, selector: entry.selector, key: keys[i]! }));
  return [dkimSignCheck(signers, logger)];
}
