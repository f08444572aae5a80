// The content filter's end-of-data check, built from content.*: none when content.scanning is off
// (the company's policy may forbid inspecting mail at all).
import type { Config } from '../config/schema.ts';
import { ContentRules } from '../content/rules.ts';
import type { ContentFollowUp, VirusScanner } from '../content/types.ts';
import type { Logger } from '../log/logger.ts';
import type { SmtpCheck } from '../policy/check.ts';
import { contentCheck } from '../policy/content-check.ts';

/** What the filter hands its findings to, and the scanner it asks: built by their own modules. */
export interface ContentHelpers {
  scanner?: VirusScanner;
  failOpen?: boolean;
  followUp?: ContentFollowUp;
}

export function contentChecks(config: Config, logger: Logger, helpers: ContentHelpers = {}): SmtpCheck[] {
  const { content } = config;
  if (!content.scanning) return [];
  return [contentCheck({ rules: new ContentRules(content.rules), limits: content.limits, tagPrefix: content.tagPrefix, domains: config.domains, logger, ...helpers })];
}
