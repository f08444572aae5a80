// From the results of SPF, DKIM, DMARC and ARC to one end-of-data verdict, by the table of
// policy.auth.actions. Several failures: the strictest action wins; a refusal names the check
// that failed with its RFC 7372 / RFC 8617 enhanced code, or 5.7.26 when several did.
import type { AuthenticateResult } from 'mailauth';
import type { EndOfDataVerdict } from './check.ts';

export type VerdictAction = 'reject' | 'quarantine' | 'tag' | 'accept';
export type TemporaryAction = 'defer' | 'tag' | 'accept';

export interface AuthActions {
  spfFail: VerdictAction;
  spfSoftfail: VerdictAction;
  spfPermerror: VerdictAction;
  spfTemperror: TemporaryAction;
  dkimFail: VerdictAction;
  dmarcReject: VerdictAction;
  dmarcQuarantine: VerdictAction;
  dmarcNone: VerdictAction;
  dmarcTemperror: TemporaryAction;
  arcFail: VerdictAction;
}

/** A failure the table has an action for: which rule, what to say, and the code a refusal gets. */
interface Finding {
  rule: keyof AuthActions;
  action: VerdictAction | TemporaryAction;
  what: string;
  enhanced: string;
  text: string;
}

const STRENGTH: Record<Finding['action'], number> = { accept: 0, tag: 1, quarantine: 2, defer: 3, reject: 4 };

/** RFC 7489 §6.6.4: a message not selected by pct= gets the next less strict policy. */
const LESS_STRICT: Record<string, string> = { reject: 'quarantine', quarantine: 'none', none: 'none' };

export type AuthOutcome = { verdict: EndOfDataVerdict; tag?: string };

/** `sample` is a number in [0, 100), drawn per message for DMARC's pct=. */
export function authVerdict(result: AuthenticateResult, actions: AuthActions, sample: number): AuthOutcome {
  const findings = findingsOf(result, actions, sample).filter((f) => f.action !== 'accept');
  if (findings.length === 0) return { verdict: { kind: 'continue' } };
  const strongest = Math.max(...findings.map((f) => STRENGTH[f.action]));
  const deciding = findings.filter((f) => STRENGTH[f.action] === strongest);
  const what = deciding.map((f) => f.what).join(', ');
  const rule = deciding.map((f) => `policy.auth.actions.${f.rule}`).join(', ');
  switch (deciding[0]!.action) {
    case 'reject':
      return deciding.length === 1
        ? { verdict: { kind: 'reject', code: 550, enhanced: deciding[0]!.enhanced, text: deciding[0]!.text } }
        : { verdict: { kind: 'reject', code: 550, enhanced: '5.7.26', text: `Multiple authentication checks failed: ${what}` } };
    case 'defer':
      return { verdict: { kind: 'defer', code: 451, enhanced: '4.4.3', text: `Sender authentication could not be completed (${what}); try again later` } };
    case 'quarantine':
      return { verdict: { kind: 'quarantine', reason: what, rule } };
    default:
      return { verdict: { kind: 'continue' }, tag: findings.map((f) => f.what).join(', ') };
  }
}

function findingsOf(result: AuthenticateResult, actions: AuthActions, sample: number): Finding[] {
  const findings: Finding[] = [];
  const spf = result.spf ? result.spf.status.result : 'none';
  const spfDomain = result.spf ? result.spf.domain : '';
  const spfRule = ({ fail: 'spfFail', softfail: 'spfSoftfail', permerror: 'spfPermerror', temperror: 'spfTemperror' } as const)[spf as 'fail'];
  if (spfRule) findings.push({ rule: spfRule, action: actions[spfRule], what: `spf=${spf} smtp.mailfrom=${spfDomain}`, enhanced: '5.7.23', text: `SPF validation failed: ${spfDomain} does not allow this sender (spf=${spf})` });

  const signatures = result.dkim.results ?? [];
  if (signatures.length > 0 && !signatures.some((s) => s.status.result === 'pass')) {
    const domains = [...new Set(signatures.map((s) => s.signingDomain))].join(' ');
    findings.push({ rule: 'dkimFail', action: actions.dkimFail, what: `dkim=${signatures[0]!.status.result} header.d=${domains}`, enhanced: '5.7.20', text: 'No passing DKIM signature found' });
  }

  if (result.arc && result.arc.status.result === 'fail') {
    findings.push({ rule: 'arcFail', action: actions.arcFail, what: 'arc=fail', enhanced: '5.7.29', text: 'ARC validation failure' });
  }

  const dmarc = result.dmarc;
  if (dmarc && dmarc.status.result === 'temperror') {
    findings.push({ rule: 'dmarcTemperror', action: actions.dmarcTemperror, what: `dmarc=temperror header.from=${dmarc.domain}`, enhanced: '', text: '' });
  } else if (dmarc && dmarc.status.result === 'fail') {
    const fromDomain = String(dmarc.status.header?.d ?? dmarc.domain);
    const published = (dmarc.policy || 'none').toLowerCase();
    const pct = dmarc.pct === undefined ? 100 : Number(dmarc.pct);
    const applied = sample < pct ? published : (LESS_STRICT[published] ?? 'none');
    const rule = applied === 'reject' ? 'dmarcReject' : applied === 'quarantine' ? 'dmarcQuarantine' : 'dmarcNone';
    const pctNote = pct < 100 ? ` pct=${pct}${applied !== published ? ' not sampled' : ''}` : '';
    findings.push({
      rule,
      action: actions[rule],
      what: `dmarc=fail (p=${published}${pctNote}) header.from=${fromDomain}`,
      enhanced: '5.7.26',
      text: `The DMARC policy of ${fromDomain} says to reject this message: neither SPF nor DKIM passed for the From domain`,
    });
  }
  return findings;
}
