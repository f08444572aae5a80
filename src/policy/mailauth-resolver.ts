// mailauth looks names up through a function shaped like node:dns's resolve(name, rrtype). This
// one answers from Postern's own resolver (its servers, its cache), never the system's, with
// the values node:dns would give and its error codes: mailauth reads ENOTFOUND and ENODATA as
// "no such record" (SPF none, a void lookup) and every other code as a temporary error.
import type { DNSResolver } from 'mailauth';
import { DnsLookupError, ResolverClosedError, type LookupErrorCode, type Resolver } from '../dns/resolver/resolver.ts';
import { hostAddresses, mxHosts, ptrNames, txtValues } from '../dns/resolver/record-values.ts';
import type { ResourceRecord } from '../dns/wire/model.ts';

const NODE_CODES: Record<LookupErrorCode, string> = {
  NXDOMAIN: 'ENOTFOUND',
  NODATA: 'ENODATA',
  SERVFAIL: 'ESERVFAIL',
  TIMEOUT: 'ETIMEOUT',
  REFUSED: 'EREFUSED',
  FORMERR: 'EFORMERR',
  BADRESPONSE: 'EBADRESP',
};

/** What node:dns's resolve gives for each type mailauth asks for. */
const VALUES: Record<string, (records: ResourceRecord[]) => unknown[]> = {
  A: (records) => hostAddresses(records).map((h) => h.address),
  AAAA: (records) => hostAddresses(records).map((h) => h.address),
  TXT: (records) => txtValues(records).map((txt) => txt.strings.map((s) => s.toString('utf8'))),
  MX: (records) => mxHosts(records).map((mx) => ({ exchange: mx.exchange, priority: mx.preference })),
  PTR: ptrNames,
};

export class NodeStyleDnsError extends Error {
  constructor(
    readonly code: string,
    readonly hostname: string,
    message: string,
  ) {
    super(message);
    this.name = 'NodeStyleDnsError';
  }
}

export function mailauthResolver(resolver: Resolver): DNSResolver {
  return async (name, rrtype) => {
    const values = VALUES[rrtype.toUpperCase()];
    if (!values) throw new NodeStyleDnsError('ENOTIMP', name, `${rrtype} lookups are not offered to mailauth`);
    try {
      const result = await resolver.resolve(name, rrtype.toUpperCase());
      return values(result.records) as string[];
    } catch (err) {
      if (err instanceof DnsLookupError) throw new NodeStyleDnsError(NODE_CODES[err.code], name, err.message);
      if (err instanceof ResolverClosedError) throw new NodeStyleDnsError('ECANCELLED', name, err.message);
      // A name the resolver cannot ask (a label too long, bad IDN) is what node calls EBADNAME.
      throw new NodeStyleDnsError('EBADNAME', name, (err as Error).message);
    }
  };
}
