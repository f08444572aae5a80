// An MTA-STS policy (RFC 8461 §3.2): read with mailauth's parser; which MX hosts it allows is
// decided here, because mailauth lets "*.example.com" match any depth below example.com where
// §4.1 allows exactly one label in place of the "*".
import { parsePolicy } from 'mailauth/lib/mta-sts.js';

export interface MtaStsPolicy {
  mode: 'enforce' | 'testing' | 'none';
  /** Allowed MX host patterns, lower case: "mx.example.com" or "*.example.com". */
  mx: string[];
  /** Seconds the policy may be cached. */
  maxAge: number;
}

/** Throws an Error that says what is wrong with the policy text. */
export function parseMtaStsPolicy(text: string): MtaStsPolicy {
  const parsed = parsePolicy(text);
  return { mode: parsed.mode, mx: (parsed.mx ?? []).map((p) => p.replace(/\.$/, '')), maxAge: parsed.maxAge ?? 0 };
}

export function mxAllowed(policy: MtaStsPolicy, host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return policy.mx.some((pattern) => {
    if (!pattern.startsWith('*.')) return pattern === name;
    const dot = name.indexOf('.');
    return dot > 0 && name.slice(dot + 1) === pattern.slice(2);
  });
}
