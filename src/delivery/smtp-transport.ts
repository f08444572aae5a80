// Delivery over SMTP or LMTP to a destination: a domain's MX hosts, or a fixed next hop. Every
// address of every host is tried in order until each recipient has a final answer: a host that
// refuses the connection, times out or answers 4xx passes the recipients it deferred on to the
// next one (RFC 5321 §5.1). What is still deferred after the last address stays queued.
import { isIP } from 'node:net';
import { DnsLookupError, type Resolver } from '../dns/resolver/resolver.ts';
import { silentLogger } from '../log/logger.ts';
import { TlsPolicyError } from '../smtp/client/peer-tls.ts';
import type { ConnectOptions, OutboundMessage, SmtpConnection } from '../smtp/client/types.ts';
import type { ConnectionPool } from './connection-pool.ts';
import { planMxDelivery, type MxPlan, type NextHop, type SelfIdentity } from './mx-plan.ts';
import type { AttemptResult } from './outcome.ts';
import { TlsPolicy, type DestinationTls } from './tls-policy.ts';

export type SmtpTarget =
  | { kind: 'mx'; domain: string }
  | { kind: 'host'; host: string; port: number; protocol: 'smtp' | 'lmtp' }
  | { kind: 'socket'; path: string };

export interface SmtpTransportOptions {
  resolver: Pick<Resolver, 'resolveMx' | 'resolveAddresses'>;
  self: SelfIdentity;
  pool: ConnectionPool;
  connect(options: ConnectOptions): Promise<SmtpConnection>;
  heloName: string;
  sourceAddress?: string;
  /** The port of MX hosts. */
  mxPort: number;
  /** The client's timeouts (connect from delivery.connectTimeout; the others Postfix's defaults unless a test shortens them). */
  timeouts: NonNullable<ConnectOptions['timeouts']>;
  /** At most this many addresses are tried per attempt (Postfix's smtp_mx_address_limit). */
  maxAddresses?: number;
  /** delivery.tls; default: opportunistic TLS everywhere, no DANE, no MTA-STS. */
  tls?: TlsPolicy;
}

/** Unix sockets are local: STARTTLS if the LMTP server offers it, nothing asked of it. */
const LOCAL_TLS: DestinationTls = { forHost: async () => ({ use: true, tls: 'opportunistic' }) };

async function destinationTls(target: SmtpTarget, port: number, message: OutboundMessage, options: SmtpTransportOptions): Promise<DestinationTls> {
  if (target.kind === 'socket') return LOCAL_TLS;
  const policy = options.tls ?? new TlsPolicy({ default: 'may', domains: {}, logger: silentLogger() });
  return policy.forDestination(target.kind === 'mx' ? target.domain : target.host, target.kind, port, message.requireTls === true);
}

export function destinationKey(target: SmtpTarget): string {
  if (target.kind === 'mx') return `mx:${target.domain}`;
  return target.kind === 'host' ? `${target.protocol}:${target.host}:${target.port}` : `lmtp:${target.path}`;
}

async function fixedHop(host: string, resolver: SmtpTransportOptions['resolver']): Promise<MxPlan> {
  if (isIP(host) !== 0) return { kind: 'hops', hops: [{ host, preference: 0, addresses: [host] }] };
  try {
    return { kind: 'hops', hops: [{ host, preference: 0, addresses: (await resolver.resolveAddresses(host)).values.map((v) => v.address) }] };
  } catch (err) {
    if (err instanceof DnsLookupError && !err.temporary) return { kind: 'bounce', enhanced: '5.4.4', text: `Host or domain name not found. Name service error for name=${host} type=A: Host not found` };
    return { kind: 'defer', enhanced: '4.4.3', text: `Host or domain name not found. Name service error for name=${host} type=A: ${err instanceof DnsLookupError ? err.code : (err as Error).message}, try again` };
  }
}

export async function deliverBySmtp(target: SmtpTarget, message: OutboundMessage, options: SmtpTransportOptions): Promise<AttemptResult[]> {
  const plan: MxPlan =
    target.kind === 'mx'
      ? await planMxDelivery(target.domain, options)
      : target.kind === 'socket'
        ? { kind: 'hops', hops: [{ host: target.path, preference: 0, addresses: [target.path] }] }
        : await fixedHop(target.host, options.resolver);
  if (plan.kind !== 'hops') {
    const status = plan.kind === 'bounce' ? 'bounced' : 'deferred';
    return message.recipients.map((): AttemptResult => ({ outcome: { status, reply: { text: plan.text, enhanced: plan.enhanced } } }));
  }

  const key = destinationKey(target);
  // A REQUIRETLS message never rides on a kept connection that its checks did not open.
  const keptKey = message.requireTls ? `${key}/requiretls` : key;
  const port = target.kind === 'mx' ? options.mxPort : target.kind === 'host' ? target.port : 0;
  const tls = await destinationTls(target, port, message, options);
  const protocol = target.kind === 'mx' ? 'smtp' : target.kind === 'host' ? target.protocol : 'lmtp';
  const results: Array<AttemptResult | undefined> = message.recipients.map(() => undefined);
  const lastProblem: AttemptResult[] = message.recipients.map(() => ({ outcome: { status: 'deferred', reply: { text: 'no delivery attempt was made' } } }));
  const addresses = plan.hops.flatMap((hop: NextHop) => hop.addresses.map((address) => ({ host: hop.host, address }))).slice(0, options.maxAddresses ?? 5);

  for (const { host, address } of addresses) {
    const pending = message.recipients.flatMap((r, i) => (results[i] === undefined ? [i] : []));
    if (pending.length === 0) break;
    const relay = { host, address, port: port || undefined };
    const hostTls = await tls.forHost(host);
    if (!hostTls.use) {
      for (const i of pending) lastProblem[i] = { outcome: { status: hostTls.status, reply: hostTls.reply }, relay };
      continue;
    }
    const started = performance.now();
    let connected = started;
    const pooled = options.pool.take(keptKey, address);
    let used = pooled;
    let outcomes = pooled && (await pooled.send({ ...message, recipients: pending.map((i) => message.recipients[i]!) }));
    if (pooled) options.pool.give(keptKey, address, pooled);
    // A kept connection the peer has closed meanwhile fails without a reply: try a fresh one.
    if (!outcomes || outcomes.every((o) => o.status === 'deferred' && !('code' in o.reply))) {
      let connection: SmtpConnection;
      try {
        connection = await options.connect({ host, address, port, protocol, heloName: options.heloName, localAddress: options.sourceAddress, tls: hostTls.tls, timeouts: options.timeouts });
      } catch (err) {
        options.pool.feedback(key, false);
        const reply = (err as { reply?: { code: number; enhanced?: string; text: string } }).reply;
        // RFC 3463: 4.7.5, a required TLS that could not be had (the message waits, never goes in plaintext).
        const ownReply = err instanceof TlsPolicyError ? { text: err.message, enhanced: '4.7.5' } : { text: (err as Error).message };
        // A greeting of 4xx/5xx refuses this host, not the recipients: they wait for the next one.
        for (const i of pending) lastProblem[i] = { outcome: { status: 'deferred', reply: reply ?? ownReply }, relay };
        continue;
      }
      connected = performance.now();
      used = connection;
      outcomes = await connection.send({ ...message, recipients: pending.map((i) => message.recipients[i]!) });
      options.pool.give(keptKey, address, connection);
    }
    const timing = { connectMs: connected - started, transferMs: performance.now() - connected };
    options.pool.feedback(key, outcomes.some((o) => o.status !== 'deferred'));
    outcomes.forEach((outcome, j) => {
      const i = pending[j]!;
      const result: AttemptResult = { outcome, relay, final: protocol === 'lmtp', timing, tls: used?.tls };
      if (outcome.status === 'deferred') lastProblem[i] = result;
      else results[i] = result;
    });
  }
  return results.map((r, i) => r ?? lastProblem[i]!);
}
