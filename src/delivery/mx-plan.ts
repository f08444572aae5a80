// Where mail for a domain goes on the Internet (RFC 5321 §5.1): its MX hosts by preference
// (equal preferences shuffled), each with all its addresses; the domain's own addresses when it
// has no MX; nowhere for a null MX (RFC 7505). Postern never plans delivery to itself: when it is
// one of the MX hosts, only the better ones are tried, and when it is the best, the mail loops.
// A DNS answer that the data does not exist is permanent (bounce); any failure to get an answer
// is temporary (defer), so that mail is never bounced for a DNS outage.
import { DnsLookupError, type Resolver } from '../dns/resolver/resolver.ts';

export interface NextHop {
  /** The MX host name (or the domain itself, or an address literal), for logs and TLS. */
  host: string;
  preference: number;
  /** The addresses to try, in order. */
  addresses: string[];
}

export type MxPlan =
  | { kind: 'hops'; hops: NextHop[] }
  | { kind: 'bounce'; enhanced: string; text: string }
  | { kind: 'defer'; enhanced: string; text: string };

/** Who Postern is: the names and addresses that, in an MX list, mean "this host". */
export interface SelfIdentity {
  names: ReadonlySet<string>;
  addresses: ReadonlySet<string>;
}

export interface MxPlanOptions {
  resolver: Pick<Resolver, 'resolveMx' | 'resolveAddresses'>;
  self: SelfIdentity;
  /** For shuffling equal preferences; injectable so tests can fix the order. */
  random?: () => number;
}

/** An address literal [192.0.2.1] or [IPv6:2001:db8::1] (RFC 5321 §4.1.3): delivered to as is. */
function addressLiteral(domain: string): string | undefined {
  const m = /^\[(?:IPv6:)?([^\]]+)\]$/i.exec(domain);
  return m?.[1];
}

function shuffledByPreference<T extends { preference: number }>(items: T[], random: () => number): T[] {
  const keyed = items.map((item) => ({ item, key: random() }));
  keyed.sort((a, b) => a.item.preference - b.item.preference || a.key - b.key);
  return keyed.map((k) => k.item);
}

/** enhanced: the code for a permanent failure (5.1.2 the domain does not exist; 5.4.4 its MX hosts have no address). */
function failure(err: unknown, what: string, enhanced: string): MxPlan {
  if (err instanceof DnsLookupError && !err.temporary) {
    return { kind: 'bounce', enhanced, text: `Host or domain name not found. Name service error for ${what}: ${err.code === 'NXDOMAIN' ? 'Host not found' : 'No address associated with hostname'}` };
  }
  const detail = err instanceof DnsLookupError ? err.code : (err as Error).message;
  return { kind: 'defer', enhanced: '4.4.3', text: `Host or domain name not found. Name service error for ${what}: ${detail}, try again` };
}

export async function planMxDelivery(domain: string, options: MxPlanOptions): Promise<MxPlan> {
  const random = options.random ?? Math.random;
  const literal = addressLiteral(domain);
  if (literal !== undefined) {
    if (options.self.addresses.has(literal)) return { kind: 'bounce', enhanced: '5.4.6', text: `mail for ${domain} loops back to myself` };
    return { kind: 'hops', hops: [{ host: domain, preference: 0, addresses: [literal] }] };
  }

  let exchanges: Array<{ preference: number; exchange: string }>;
  try {
    exchanges = (await options.resolver.resolveMx(domain)).values;
  } catch (err) {
    if (!(err instanceof DnsLookupError && err.code === 'NODATA')) return failure(err, `name=${domain} type=MX`, '5.1.2');
    // No MX: the domain's own address records are its implicit MX (RFC 5321 §5.1).
    exchanges = [{ preference: 0, exchange: domain }];
  }
  if (exchanges.some((mx) => mx.exchange === '')) return { kind: 'bounce', enhanced: '5.1.10', text: `Domain ${domain} does not accept mail (nullMX)` };

  const ordered = shuffledByPreference(exchanges, random);
  const resolved = await Promise.all(
    ordered.map(async (mx) => {
      try {
        return { ...mx, addresses: (await options.resolver.resolveAddresses(mx.exchange)).values.map((v) => v.address) };
      } catch (err) {
        return { ...mx, addresses: [] as string[], error: err };
      }
    }),
  );

  // RFC 5321 §5.1: hosts as good as or worse than ourselves are never tried.
  const isSelf = (mx: (typeof resolved)[number]) => options.self.names.has(mx.exchange.toLowerCase()) || mx.addresses.some((a) => options.self.addresses.has(a));
  const ourPreference = Math.min(...resolved.filter(isSelf).map((mx) => mx.preference));
  const candidates = resolved.filter((mx) => mx.preference < ourPreference);
  if (candidates.length === 0 && Number.isFinite(ourPreference)) return { kind: 'bounce', enhanced: '5.4.6', text: `mail for ${domain} loops back to myself` };

  const hops = candidates.filter((mx) => mx.addresses.length > 0).map((mx) => ({ host: mx.exchange, preference: mx.preference, addresses: mx.addresses }));
  if (hops.length > 0) return { kind: 'hops', hops };
  const firstError = candidates.find((mx) => 'error' in mx && mx.error instanceof DnsLookupError && mx.error.temporary) ?? candidates[0]!;
  // With no MX the domain itself was the host: its absence is the domain's absence.
  return failure('error' in firstError ? firstError.error : undefined, `name=${firstError.exchange} type=A`, firstError.exchange === domain ? '5.1.2' : '5.4.4');
}
