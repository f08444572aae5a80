// Which TLS a delivery must have, per destination domain and next-hop host, in the order of
// RFC 8461 §2 and Postfix: an authenticated (AD) TLSA answer for the host means DANE (RFC 7672);
// else a published MTA-STS policy of the domain (enforce: TLS verified for an allowed MX host;
// testing: failures only logged); else the configured level (delivery.tls), where `dane` and
// `mta-sts` without a usable answer fall back to `may`. A REQUIRETLS message (RFC 8689) goes
// only to a host whose TLS DANE or an enforced MTA-STS policy (or, for a fixed next hop, `verify`)
// checks; where none can, it is returned with 5.7.30.
import { checkServerIdentity, type TLSSocket } from 'node:tls';
import type { TlsLevel } from '../config/sections/delivery-tls.ts';
import { DnsLookupError, type Resolver } from '../dns/resolver/resolver.ts';
import type { Logger } from '../log/logger.ts';
import type { ConnectOptions } from '../smtp/client/types.ts';
import { daneVerifier, lookUpTlsa } from './dane.ts';
import type { MtaStsLookup, MtaStsPolicies } from './mta-sts.ts';
import { mxAllowed } from './mta-sts-policy.ts';

export interface TlsPolicyOptions {
  default: TlsLevel;
  domains: Readonly<Record<string, TlsLevel>>;
  /** CA certificates (PEM) for `verify` and MTA-STS; undefined: Node's bundled roots. */
  ca?: string[];
  /** The validating resolver whose AD bit is believed; without it DANE is never used. */
  daneResolver?: Pick<Resolver, 'resolveMx' | 'resolveAddresses' | 'resolveTlsa'>;
  /** MTA-STS for every domain (mtaSts.enabled), or only where the level is `mta-sts`; absent: never. */
  mtaSts?: { everywhere: boolean; policies: Pick<MtaStsPolicies, 'lookUp'> };
  logger: Logger;
}

export type HostTls =
  | { use: true; tls: ConnectOptions['tls'] }
  /** This host must not be used now; the text says why (kept as the recipient's last problem). */
  | { use: false; status: 'deferred' | 'bounced'; reply: { text: string; enhanced: string } };

export interface DestinationTls {
  forHost(host: string): Promise<HostTls>;
}

/** Why the certificate is not valid for `host` under the trusted CAs, or undefined when it is. */
function webPkiVerifier(host: string): (socket: TLSSocket) => string | undefined {
  return (socket) => {
    // Node counts a name that does not match as an authorization error too: that one is told by checkServerIdentity's clearer words.
    const chainError = socket.authorized ? undefined : String(socket.authorizationError);
    if (chainError !== undefined && chainError !== 'ERR_TLS_CERT_ALTNAME_INVALID') return `${chainError} (the chain does not lead to a trusted CA)`;
    return checkServerIdentity(host, socket.getPeerCertificate())?.message;
  };
}

export class TlsPolicy {
  constructor(private readonly options: TlsPolicyOptions) {}

  levelOf(domain: string): TlsLevel {
    return this.options.domains[domain.toLowerCase()] ?? this.options.default;
  }

  /**
   * The TLS for each host of a delivery to `domain`. `mx`: the recipients' domain, whose MX records
   * gave the hosts, so MTA-STS and the MX check of DANE apply; `host`: a configured next hop, its
   * level looked up by its host name (as Postfix keys a relayhost's policy by the next hop).
   * `port`: where the hosts are reached (the TLSA name's port).
   */
  async forDestination(domain: string, route: 'mx' | 'host', port: number, requireTls: boolean): Promise<DestinationTls> {
    const { logger } = this.options;
    const level = this.levelOf(domain);
    const daneResolver = level === 'none' ? undefined : this.options.daneResolver;
    const daneAllowed = daneResolver !== undefined && (route === 'host' || (await this.mxSecure(domain)));
    const { mtaSts } = this.options;
    const wantsMtaSts = mtaSts !== undefined && route === 'mx' && level !== 'none' && (mtaSts.everywhere || level === 'mta-sts');
    const sts: MtaStsLookup = wantsMtaSts ? await mtaSts.policies.lookUp(domain) : { kind: 'none' };
    // A policy that exists but could not be fetched may verify the host next time: wait for it rather than return the message.
    const stsUnavailable = sts.kind === 'none' ? sts.unavailable : undefined;
    const requireTlsRefusal = (host: string, why: string): HostTls =>
      stsUnavailable
        ? { use: false, status: 'deferred', reply: { text: `REQUIRETLS: ${why} (host ${host}; ${stsUnavailable})`, enhanced: '4.7.30' } }
        : { use: false, status: 'bounced', reply: { text: `REQUIRETLS: ${why} (host ${host})`, enhanced: '5.7.30' } };

    return {
      forHost: async (host) => {
        if (daneAllowed && (await this.addressesSecure(host))) {
          const tlsa = await lookUpTlsa(daneResolver, port, host);
          if (tlsa.kind === 'failed') return { use: false, status: 'deferred', reply: { text: tlsa.text, enhanced: '4.7.5' } };
          if (tlsa.kind === 'dane') return { use: true, tls: { required: true, name: 'DANE', verify: daneVerifier(host, tlsa) } };
          if (tlsa.kind === 'unusable') {
            if (requireTls) return requireTlsRefusal(host, `the TLSA records of ${tlsa.name} are all unusable, so nothing verifies TLS`);
            return { use: true, tls: { required: true, name: 'DANE, no usable TLSA record' } };
          }
        }
        if (sts.kind === 'policy') {
          const { policy } = sts;
          const verify = webPkiVerifier(host);
          if (!mxAllowed(policy, host)) {
            const text = `MTA-STS: the policy of ${domain} (${policy.mode}) does not list ${host} as an MX host (mx: ${policy.mx.join(', ')})`;
            if (policy.mode === 'enforce') return { use: false, status: 'deferred', reply: { text, enhanced: '4.7.5' } };
            logger.warn({ domain, host, mode: policy.mode, reason: text }, 'MTA-STS testing: delivery would have been deferred under enforce');
          } else if (policy.mode === 'enforce') {
            return { use: true, tls: { required: true, name: 'MTA-STS', ca: this.options.ca, verify } };
          } else {
            const base = this.levelTls(level, host);
            if (requireTls) return requireTlsRefusal(host, `the MTA-STS policy of ${domain} is only in testing mode`);
            const onUntrusted = (reason: string) => logger.warn({ domain, host, mode: 'testing', reason }, `MTA-STS testing: the certificate of ${host} would not have been accepted under enforce`);
            return { use: true, tls: typeof base === 'object' && base.verify ? base : { required: base !== 'opportunistic' && base !== 'none', name: 'MTA-STS testing', ca: this.options.ca, verify, onUntrusted } };
          }
        }
        if (requireTls && !(route === 'host' && level === 'verify')) {
          return requireTlsRefusal(host, `neither DANE nor an MTA-STS policy in enforce mode verifies TLS to ${domain}`);
        }
        return { use: true, tls: this.levelTls(level, host) };
      },
    };
  }

  private levelTls(level: TlsLevel, host: string): ConnectOptions['tls'] {
    if (level === 'none') return 'none';
    if (level === 'encrypt') return { required: true, name: 'encrypt' };
    if (level === 'verify') return { required: true, name: 'verify', ca: this.options.ca, verify: webPkiVerifier(host) };
    return 'opportunistic';
  }

  /** RFC 7672 §2.2.1: DANE applies only to MX hosts from an authenticated MX RRset. */
  private async mxSecure(domain: string): Promise<boolean> {
    try {
      return (await this.options.daneResolver!.resolveMx(domain)).authenticated;
    } catch (err) {
      if (err instanceof DnsLookupError) return false;
      throw err;
    }
  }

  /** RFC 7672 §2.2.2: TLSA records are looked up only for a host whose addresses are authenticated. */
  private async addressesSecure(host: string): Promise<boolean> {
    try {
      return (await this.options.daneResolver!.resolveAddresses(host)).authenticated;
    } catch {
      return false;
    }
  }
}
