// Runs the checks of one stage in order: the first verdict other than 'continue' decides.
import type { EndOfDataVerdict, SmtpCheck } from '../../policy/check.ts';

type Stage = 'connect' | 'helo' | 'mail' | 'rcpt' | 'data' | 'endOfData';

export async function runChecks<C>(checks: readonly SmtpCheck[], stage: Stage, ctx: C): Promise<{ verdict: EndOfDataVerdict; check?: string }> {
  for (const check of checks) {
    const hook = check[stage] as ((ctx: C) => Promise<EndOfDataVerdict> | EndOfDataVerdict) | undefined;
    if (!hook) continue;
    const verdict = await hook.call(check, ctx);
    if (verdict.kind !== 'continue') return { verdict, check: check.name };
  }
  return { verdict: { kind: 'continue' } };
}
