// The directory's part of the mail policy: recipient validation at RCPT, and the expansion of
// recipients (aliases, forwards, groups, routing hosts) just before a message is queued. Both ask
// the same cached directory, so the expansion at commit costs no second round of lookups.
import type { Config } from '../config/schema.ts';
import type { Directory } from '../directory/directory.ts';
import type { Logger } from '../log/logger.ts';
import type { SmtpCheck } from '../policy/check.ts';
import { recipientCheck } from '../policy/recipient-check.ts';
import { envelopeExpander, type EnvelopeExpander } from '../policy/recipient-expansion.ts';

/** With no directory backends, recipients are not validated (any local part of our domains is accepted). */
export function recipientChecks(config: Config, directory: Directory | undefined): SmtpCheck[] {
  if (!directory) return [];
  const { harvest, expansion } = config.directory;
  return [
    recipientCheck({
      domains: config.domains,
      directory,
      expansion,
      harvest: { delayAfter: harvest.delayAfter, delayMs: harvest.delay, maxDelayMs: harvest.maxDelay, disconnectAfter: harvest.disconnectAfter },
    }),
  ];
}

export function envelopeExpanderOf(config: Config, directory: Directory | undefined, logger: Logger): EnvelopeExpander | undefined {
  return directory && envelopeExpander({ domains: config.domains, directory, expansion: config.directory.expansion, logger });
}
