// MTA-STS policies of destination domains (RFC 8461 §5.1): the _mta-sts TXT record says a
// policy exists and its id; the policy itself is fetched over HTTPS when the id is new and kept
// for its max_age. A domain whose TXT record disappeared or cannot be looked up keeps its cached
// policy until it expires (§5.1: an attacker who hides the record must not switch it off).
import type { Resolver, TxtValue } from '../dns/resolver/resolver.ts';
import type { Logger } from '../log/logger.ts';
import { fetchMtaStsPolicy, type PolicyFetchOptions } from './mta-sts-fetch.ts';
import { parseMtaStsPolicy, type MtaStsPolicy } from './mta-sts-policy.ts';

export type MtaStsLookup =
  /** A policy in mode enforce or testing. */
  | { kind: 'policy'; domain: string; policy: MtaStsPolicy }
  /** No policy (none published, mode none, or one that could not be had with nothing cached: §5 says go on without it). */
  | { kind: 'none'; unavailable?: string };

export interface MtaStsOptions extends Omit<PolicyFetchOptions, 'resolver'> {
  resolver: Pick<Resolver, 'resolveTxt' | 'resolveAddresses'>;
  cacheSize: number;
  logger: Logger;
  /** Milliseconds since the epoch; injectable so tests can let a policy expire. */
  now?: () => number;
}

interface Cached {
  id: string;
  policy: MtaStsPolicy;
  expiresAt: number;
}

/** The id of the one STSv1 record (RFC 8461 §3.1); undefined when there is none or more than one. */
function policyId(records: TxtValue[]): string | undefined {
  const sts = records.filter((r) => /^v=STSv1\s*(;|$)/.test(r.text));
  if (sts.length !== 1) return undefined;
  return /(?:^|;)\s*id=([A-Za-z0-9]{1,32})\s*(?:;|$)/.exec(sts[0]!.text)?.[1];
}

export class MtaStsPolicies {
  private readonly cache = new Map<string, Cached>();
  private readonly fetching = new Map<string, Promise<MtaStsLookup>>();
  private readonly now: () => number;

  constructor(private readonly options: MtaStsOptions) {
    this.now = options.now ?? Date.now;
  }

  lookUp(domain: string): Promise<MtaStsLookup> {
    let pending = this.fetching.get(domain);
    if (!pending) {
      pending = this.find(domain).finally(() => this.fetching.delete(domain));
      this.fetching.set(domain, pending);
    }
    return pending;
  }

  private async find(domain: string): Promise<MtaStsLookup> {
    const cached = this.cache.get(domain);
    const fresh = cached && cached.expiresAt > this.now() ? cached : undefined;
    const id = await this.options.resolver.resolveTxt(`_mta-sts.${domain}`).then((a) => policyId(a.values), () => undefined);
    if (id === undefined || fresh?.id === id) return this.result(domain, fresh);
    try {
      const policy = parseMtaStsPolicy(await fetchMtaStsPolicy(domain, this.options));
      const entry = { id, policy, expiresAt: this.now() + policy.maxAge * 1000 };
      this.remember(domain, entry);
      this.options.logger.info({ domain, id, mode: policy.mode, mx: policy.mx, maxAge: policy.maxAge }, 'MTA-STS policy fetched');
      return this.result(domain, entry);
    } catch (err) {
      const text = (err as Error).message.startsWith('MTA-STS') ? (err as Error).message : `MTA-STS: the policy of ${domain} is not valid: ${(err as Error).message}`;
      this.options.logger.warn({ domain, id, error: text, cached: fresh !== undefined }, 'MTA-STS policy unavailable');
      return fresh ? this.result(domain, fresh) : { kind: 'none', unavailable: text };
    }
  }

  private result(domain: string, entry: Cached | undefined): MtaStsLookup {
    return entry && entry.policy.mode !== 'none' ? { kind: 'policy', domain, policy: entry.policy } : { kind: 'none' };
  }

  private remember(domain: string, entry: Cached): void {
    this.cache.delete(domain);
    this.cache.set(domain, entry);
    if (this.cache.size > this.options.cacheSize) this.cache.delete(this.cache.keys().next().value!);
  }
}
