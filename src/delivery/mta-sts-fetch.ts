// Fetching an MTA-STS policy (RFC 8461 §3.3): GET https://mta-sts.DOMAIN/.well-known/mta-sts.txt
// with a certificate valid for that name, no redirects followed, 200 and text/plain only. The
// name is looked up through Postern's resolver, not the system's; the port and extra CAs are
// injectable so tests can serve a policy on 127.0.0.x.
import { request } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Resolver } from '../dns/resolver/resolver.ts';

export interface PolicyFetchOptions {
  resolver: Pick<Resolver, 'resolveAddresses'>;
  port: number;
  /** Trusted CA certificates (PEM); default: Node's bundled roots. */
  ca?: string[];
  timeoutMs?: number;
}

/** RFC 8461 §3.3 lets senders limit the size; a real policy is a few hundred bytes. */
const MAX_POLICY_BYTES = 64 * 1024;

export class PolicyFetchError extends Error {}

function lookupThrough(resolver: PolicyFetchOptions['resolver']): LookupFunction {
  return (hostname, options, callback) => {
    resolver.resolveAddresses(hostname).then(
      (answer) => {
        const all = answer.values.filter((v) => !options.family || v.family === options.family).map((v) => ({ address: v.address, family: v.family }));
        if (all.length === 0) callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
        else if (options.all) callback(null, all);
        else callback(null, all[0]!.address, all[0]!.family);
      },
      (err: Error) => callback(Object.assign(new Error(err.message), { code: 'ENOTFOUND' }), '', 0),
    );
  };
}

/** The policy text of `domain`; a PolicyFetchError says why there is none. */
export function fetchMtaStsPolicy(domain: string, options: PolicyFetchOptions): Promise<string> {
  const host = `mta-sts.${domain}`;
  const url = `https://${host}${options.port === 443 ? '' : `:${options.port}`}/.well-known/mta-sts.txt`;
  return new Promise((resolve, reject) => {
    const fail = (why: string) => reject(new PolicyFetchError(`MTA-STS: fetching ${url} failed: ${why}`));
    const req = request(
      { host, port: options.port, path: '/.well-known/mta-sts.txt', servername: host, ca: options.ca, lookup: lookupThrough(options.resolver), agent: false, timeout: options.timeoutMs ?? 15_000 },
      (res) => {
        const type = res.headers['content-type'] ?? '';
        if (res.statusCode !== 200) {
          res.resume();
          return fail(`HTTP status ${res.statusCode}${res.statusCode! >= 300 && res.statusCode! < 400 ? ' (redirects are not followed)' : ''}`);
        }
        if (!/^text\/plain\s*(;|$)/i.test(type)) {
          res.resume();
          return fail(`Content-Type is ${type || 'missing'}, not text/plain`);
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_POLICY_BYTES) {
            req.destroy();
            fail(`the policy is larger than ${MAX_POLICY_BYTES} bytes`);
          } else chunks.push(chunk);
        });
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', (err) => fail(err.message));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (err) => fail(err.message));
    req.end();
  });
}
