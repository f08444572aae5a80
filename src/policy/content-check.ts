// The content filter at end of data: the MIME walk, the virus scan and the rules, before the
// reply, so a refusal is an SMTP answer (no backscatter) and a scanner outage a 4xx the
// sending MTA retries. Carries out reject, quarantine, discard, strip and tag; reports notify
// and copyPostmaster to the follow-up.
import type { Logger } from '../log/logger.ts';
import { walkMessage, type MessageReport, type PartReport, type WalkLimits } from '../content/mime-walk.ts';
import { rewriteMessage } from '../content/rewrite.ts';
import type { ContentRules } from '../content/rules.ts';
import { CONTENT_RESULT, type ContentFollowUp, type ContentOutcome, type Direction, type RuleMatch, type VirusScanner } from '../content/types.ts';
import { CONTINUE, type EndOfDataContext, type EndOfDataVerdict, type SmtpCheck } from './check.ts';
import { ourDomains } from './our-domains.ts';

export interface ContentCheckOptions {
  rules: ContentRules;
  limits: WalkLimits;
  /** The Subject prefix of tag, unless the rule has its own. */
  tagPrefix: string;
  /** Our domains (config `domains`), to tell outbound from internal mail. */
  domains: readonly string[];
  scanner?: VirusScanner;
  /** A scanner that fails: accept the message with a warning field (true), or 451 so the sender retries (false). */
  failOpen?: boolean;
  followUp?: ContentFollowUp;
  logger: Logger;
}

const TERMINAL_ACTIONS: ReadonlySet<string> = new Set(['reject', 'quarantine', 'discard']);

const SCANNER_DOWN: EndOfDataVerdict = { kind: 'defer', code: 451, enhanced: '4.7.0', text: 'Content scanner unavailable, try again later' };

const INSPECTION_FAILED: EndOfDataVerdict = { kind: 'defer', code: 451, enhanced: '4.3.0', text: 'Content inspection failed, try again later' };

export function contentCheck(options: ContentCheckOptions): SmtpCheck {
  const ours = ourDomains(options.domains);
  const { logger } = options;

  const directionsOf = (ctx: EndOfDataContext): Set<Direction> => {
    if (!ctx.trusted && ctx.client.authUser === undefined) return new Set(['inbound']);
    const directions = new Set<Direction>();
    for (const r of ctx.recipients) directions.add(ours.hasAddress(r.address) ? 'internal' : 'outbound');
    return directions;
  };

  const inspect = async (ctx: EndOfDataContext): Promise<EndOfDataVerdict> => {
    const [report, scan] = await Promise.all([
      ctx.readMessage().then((m) => walkMessage(m, options.rules.probes, options.limits)),
      options.scanner ? ctx.readMessage().then((m) => options.scanner?.scan(m)) : Promise.resolve(undefined),
    ]);
    if (report.problem) {
      logger.info({ check: 'content', rule: report.problem.rule, reason: report.problem.reason }, 'message structure refused');
      return { kind: 'reject', code: 550, enhanced: '5.7.1', text: `Message refused by content policy: ${report.problem.reason} (rule ${report.problem.rule})` };
    }
    if (scan?.kind === 'error') {
      logger.warn({ check: 'content', error: scan.message, failOpen: options.failOpen ?? false }, 'virus scan failed');
      if (!options.failOpen) return SCANNER_DOWN;
    }
    const matches = options.rules.evaluate(report, { directions: directionsOf(ctx), scan });
    const decided = matches.find((m) => TERMINAL_ACTIONS.has(m.action));
    const applied = decided ? [] : matches.filter((m) => m.action === 'strip' || m.action === 'tag');
    const outcome: ContentOutcome = { matches, decided, applied, scan };
    ctx.results.set(CONTENT_RESULT, outcome);
    for (const m of matches) logger.info({ check: 'content', rule: m.rule, action: m.action, reason: m.reason, decided: m === decided }, 'content rule matched');

    if (applied.length > 0) await applyChanges(ctx, applied, report, options);
    if (scan?.kind === 'error') ctx.addHeader('X-Postern-Content-Warning: not scanned for viruses (scanner unavailable)');
    if (matches.length > 0 && options.followUp) {
      await options.followUp(outcome, ctx).catch((err: Error) => logger.error({ check: 'content', error: err.message }, 'content follow-up failed'));
    }
    return verdictOf(decided);
  };

  return {
    name: 'content',
    async endOfData(ctx: EndOfDataContext): Promise<EndOfDataVerdict> {
      try {
        return await inspect(ctx);
      } catch (err) {
        // Our own fault, not the sender's: a temporary refusal, so the message is not lost.
        logger.error({ check: 'content', error: (err as Error).stack }, 'content inspection failed');
        return INSPECTION_FAILED;
      }
    },
  };
}

function verdictOf(decided: RuleMatch | undefined): EndOfDataVerdict {
  if (!decided) return CONTINUE;
  switch (decided.action) {
    case 'reject':
      return { kind: 'reject', code: 550, enhanced: '5.7.1', text: `Message refused by content policy (rule ${decided.rule})` };
    case 'quarantine':
      return { kind: 'quarantine', reason: decided.reason, rule: decided.rule };
    default:
      return { kind: 'discard', reason: `rule ${decided.rule}: ${decided.reason}` };
  }
}

async function applyChanges(ctx: EndOfDataContext, applied: RuleMatch[], report: MessageReport, options: ContentCheckOptions): Promise<void> {
  const strip = new Map<string, string>();
  for (const m of applied.filter((a) => a.action === 'strip')) {
    for (const number of m.parts) {
      const removable = report.parts.find((p) => p.part === number)?.removable;
      const part = report.parts.find((p) => p.part === removable);
      if (removable && part && !strip.has(removable)) strip.set(removable, removalNote(part, m.rule, m.findings?.[number] ?? m.reason));
    }
  }
  const tag = applied.find((m) => m.action === 'tag');
  const subjectPrefix = tag && (options.rules.subjectPrefixOf(tag.rule) ?? options.tagPrefix);
  await ctx.replaceMessage(rewriteMessage(await ctx.readMessage(), { strip, subjectPrefix, limits: options.limits }));
  for (const m of applied) ctx.addHeader(`X-Postern-Content: rule=${m.rule}; action=${m.action}`);
}

function removalNote(part: PartReport, rule: string, finding: string): string {
  const what = part.name !== undefined ? `The attachment "${part.name}"` : `A part of type ${part.declaredType ?? 'application/octet-stream'}`;
  return [
    `${what} (${part.size} bytes) was removed from this message by the mail gateway,`,
    `as the company's email policy requires (rule ${rule}).`,
    `Found: ${finding}.`,
    'If you need the file, ask the sender to share it another way, or contact your administrator.',
    '',
  ].join('\n');
}
