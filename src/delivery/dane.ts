// DANE for SMTP (RFC 7672): the TLSA records of an MX host, believed only when the validating
// resolver authenticated them (AD), and the peer's certificate matched against them.
// DANE-EE(3) matches the leaf's certificate or public key, with no name or date check (§3.1.1);
// DANE-TA(2) matches a certificate the peer sent above its leaf, which must issue the leaf
// through the chain, and the leaf must name the MX host (§3.1.2). PKIX-TA(0) and PKIX-EE(1)
// are unusable for SMTP (§3.1.3): a TLSA RRset of those alone still means "TLS required".
import { createHash, X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { DnsLookupError, type Resolver, type TlsaValue } from '../dns/resolver/resolver.ts';

export type TlsaLookup =
  /** Authenticated, with usable records: DANE applies. */
  | { kind: 'dane'; name: string; records: TlsaValue[] }
  /** Authenticated, but no record is usable: TLS is still required, unauthenticated (RFC 7672 §2.2). */
  | { kind: 'unusable'; name: string }
  /** No TLSA records, or none that can be believed: DANE does not apply. */
  | { kind: 'none' }
  /** The lookup failed: the host must not be used now (RFC 7672 §2.2: it may be an attack on DANE). */
  | { kind: 'failed'; name: string; text: string };

const DANE_TA = 2;
const DANE_EE = 3;

function usable(r: TlsaValue): boolean {
  return (r.usage === DANE_TA || r.usage === DANE_EE) && (r.selector === 0 || r.selector === 1) && r.matchingType >= 0 && r.matchingType <= 2;
}

export async function lookUpTlsa(resolver: Pick<Resolver, 'resolveTlsa'>, port: number, host: string): Promise<TlsaLookup> {
  const name = `_${port}._tcp.${host}`;
  try {
    const answer = await resolver.resolveTlsa(port, 'tcp', host);
    if (!answer.authenticated) return { kind: 'none' };
    const records = answer.values.filter(usable);
    return records.length > 0 ? { kind: 'dane', name, records } : { kind: 'unusable', name };
  } catch (err) {
    if (err instanceof DnsLookupError && !err.temporary) return { kind: 'none' };
    return { kind: 'failed', name, text: `DANE: the TLSA lookup of ${name} failed (${err instanceof DnsLookupError ? err.code : (err as Error).message}); the host is not used until it answers` };
  }
}

function selected(cert: X509Certificate, selector: number): Buffer {
  return selector === 0 ? cert.raw : cert.publicKey.export({ type: 'spki', format: 'der' });
}

function matches(cert: X509Certificate, r: TlsaValue): boolean {
  const data = selected(cert, r.selector);
  const value = r.matchingType === 0 ? data : createHash(r.matchingType === 1 ? 'sha256' : 'sha512').update(data).digest();
  return value.equals(r.certificateData);
}

/** The certificates the peer sent, leaf first. */
function peerChain(socket: TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  for (let c: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true); c?.raw && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
    seen.add(c.fingerprint256);
    chain.push(new X509Certificate(c.raw));
  }
  return chain;
}

/** Each certificate up to `top` is issued and signed by the next one. */
function linked(chain: X509Certificate[], top: number): boolean {
  for (let i = 0; i < top; i++) {
    if (!chain[i]!.checkIssued(chain[i + 1]!) || !chain[i]!.verify(chain[i + 1]!.publicKey)) return false;
  }
  return true;
}

/** A verify function for the SMTP client: why the peer's certificate fails the TLSA records, or undefined when it passes. */
export function daneVerifier(host: string, lookup: { name: string; records: TlsaValue[] }): (socket: TLSSocket) => string | undefined {
  return (socket) => {
    const chain = peerChain(socket);
    const leaf = chain[0];
    if (!leaf) return 'no certificate was presented';
    if (lookup.records.some((r) => r.usage === DANE_EE && matches(leaf, r))) return undefined;
    const anchor = chain.findIndex((cert, i) => i > 0 && lookup.records.some((r) => r.usage === DANE_TA && matches(cert, r)));
    if (anchor > 0) {
      if (!linked(chain, anchor)) return `the chain from ${leaf.subject.replace(/\n/g, ', ')} to its DANE-TA trust anchor does not verify`;
      if (leaf.checkHost(host) === undefined) return `it was issued under the DANE-TA trust anchor of ${lookup.name}, but not for ${host} (${leaf.subjectAltName ?? leaf.subject})`;
      return undefined;
    }
    return `it matches none of the ${lookup.records.length} TLSA record${lookup.records.length === 1 ? '' : 's'} of ${lookup.name}`;
  };
}
