// Runs the checks of one stage in order: the first verdict other than 'continue' decides.
import type { EndOfDataVerdict, SmtpCheck } from '../../policy/check.ts';

type Stage = 'connect' | 'helo' | 'mail' | 'rcpt' | 'data' | 'endOfData';

/** A check that threw, named so that the refusal's log line can say which. */
export class CheckFailure extends Error {
  constructor(
    readonly check: string,
    cause: unknown,
  ) {
    super(`check ${check} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'CheckFailure';
  }
}

export async function runChecks<C>(checks: readonly SmtpCheck[], stage: Stage, ctx: C): Promise<{ verdict: EndOfDataVerdict; check?: string }> {
  for (const check of checks) {
    const hook = check[stage] as ((ctx: C) => Promise<EndOfDataVerdict> | EndOfDataVerdict) | undefined;
    if (!hook) continue;
    let verdict: EndOfDataVerdict;
    try {
      verdict = await hook.call(check, ctx);
    } catch (err) {
      throw new CheckFailure(check.name, err);
    }
    if (verdict.kind !== 'continue') return { verdict, check: check.name };
  }
  return { verdict: { kind: 'continue' } };
}
