// The check chain as the SMTP engine runs it, with every verdict told to MailEvents: sessions,
// refusals by check and stage, quarantines and discards are counted without the engine or the
// checks knowing that anyone counts.
import { CONTINUE, type EndOfDataVerdict, type SmtpCheck } from '../policy/check.ts';
import type { MailEvents } from '../log/mail-events.ts';

const STAGES = ['connect', 'helo', 'mail', 'rcpt', 'data', 'endOfData'] as const;
type Stage = (typeof STAGES)[number];
type Hook = (ctx: unknown) => Promise<EndOfDataVerdict> | EndOfDataVerdict;

export function observedChecks(checks: readonly SmtpCheck[], events: MailEvents): SmtpCheck[] {
  const sessionCounter: SmtpCheck = {
    name: 'session-counter',
    connect(ctx) {
      events.emit('session', { listener: ctx.client.listener, client: ctx.client.address });
      return CONTINUE;
    },
  };
  return [sessionCounter, ...checks.map((check) => observed(check, events))];
}

function observed(check: SmtpCheck, events: MailEvents): SmtpCheck {
  const wrapped: Record<string, unknown> = { name: check.name };
  for (const stage of STAGES) {
    const hook = check[stage] as Hook | undefined;
    if (!hook) continue;
    wrapped[stage] = async (ctx: unknown) => {
      const verdict = await hook.call(check, ctx);
      tell(events, check.name, stage, verdict);
      return verdict;
    };
  }
  return wrapped as unknown as SmtpCheck;
}

function tell(events: MailEvents, check: string, stage: Stage, verdict: EndOfDataVerdict): void {
  switch (verdict.kind) {
    case 'reject':
    case 'defer':
      events.emit('refused', { stage, check, kind: verdict.kind, reply: `${verdict.code} ${verdict.enhanced} ${verdict.text}` });
      return;
    case 'quarantine':
      events.emit('quarantined', { check, reason: verdict.reason, ...(verdict.rule === undefined ? {} : { rule: verdict.rule }) });
      return;
    case 'discard':
      events.emit('discarded', { check, reason: verdict.reason });
      return;
  }
}
