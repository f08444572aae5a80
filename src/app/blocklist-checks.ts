// The blocklist and greylisting checks, built from policy.dnsbl, policy.rhsbl, policy.greylist
// and the policy.allowlist they share; none of them when nothing is configured.
import { join } from 'node:path';
import type { Config } from '../config/schema.ts';
import type { Resolver } from '../dns/resolver/resolver.ts';
import type { Logger } from '../log/logger.ts';
import { allowlist } from '../policy/allowlist.ts';
import type { SmtpCheck } from '../policy/check.ts';
import { dnsblCheck } from '../policy/dnsbl.ts';
import { greylistCheck } from '../policy/greylist.ts';
import { rhsblCheck } from '../policy/rhsbl.ts';

export function blocklistChecks(config: Config, services: { resolver: Resolver; logger: Logger }): SmtpCheck[] {
  const { dnsbl, rhsbl, greylist } = config.policy;
  const common = { domains: config.domains, allowlist: allowlist(config.policy.allowlist), ...services };
  return [
    ...(dnsbl.zones.length > 0 ? [dnsblCheck({ ...dnsbl, ...common })] : []),
    ...(rhsbl.zones.length > 0 ? [rhsblCheck({ ...rhsbl, ...common })] : []),
    ...(greylist.enabled
      ? [
          greylistCheck({
            ...common,
            file: join(config.dataDir, 'greylist.db'),
            timing: { delayMs: greylist.delay, windowMs: greylist.window, rememberMs: greylist.remember },
            prefixes: { ipv4: greylist.ipv4Prefix, ipv6: greylist.ipv6Prefix },
          }),
        ]
      : []),
  ];
}
