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

function keyAt(config: Config, path: string, file: string, domain: string, selector: string): DkimSigningKey {
  try {
    return readSigningKey(file);
  } catch (err) {
    const why = err instanceof DkimKeyError ? err.message : `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
    throw new ConfigError(config.configFile, [`${path}: ${why}; make a key with "postern dkim keygen ${domain} ${selector}" and publish the TXT record it prints`]);
  }
}

/** The end-of-data check that comes before all others; none when policy.auth is off. */
export function senderAuthChecks(config: Config, services: { resolver: Resolver; logger: Logger }): SmtpCheck[] {
  const auth = config.policy.auth;
  if (!auth.enabled) return [];
  const seal = auth.seal && { domain: auth.seal.domain, selector: auth.seal.selector, privateKey: keyAt(config, 'policy.auth.seal.key', auth.seal.key, auth.seal.domain, auth.seal.selector).pem };
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
  const signers = entries.map((entry, i) => ({ domain: entry.domain, selector: entry.selector, key: keyAt(config, `policy.dkim.sign[${i}].key`, entry.key, entry.domain, entry.selector) }));
  return [dkimSignCheck(signers, logger)];
}
