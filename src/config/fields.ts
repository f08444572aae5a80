// Field schemas shared by the configuration schema. Each one turns the file's text form into the
// value the services use, and on failure says what was expected and what was found.
import { resolve } from 'node:path';
import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { parseEndpoint, type Endpoint } from './endpoint.ts';
import { parseDuration, parseSize } from './units.ts';

export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

function parsed<T>(expected: string, parse: (v: string | number) => T | undefined) {
  return z.union([z.string(), z.number()], { error: (iss) => `expected ${expected}, got ${show(iss.input)}` }).transform((v, ctx) => {
    const out = parse(v);
    if (out === undefined) {
      ctx.addIssue({ code: 'custom', message: `expected ${expected}, got ${show(v)}`, input: v });
      return z.NEVER;
    }
    return out;
  });
}

/** A duration in milliseconds ("30s", "5m", "4h", "5d"). */
export const duration = () => parsed('a duration like 30s, 5m, 4h or 5d', parseDuration);

/** A size in bytes ("10MB", "512k"). */
export const size = () => parsed('a size like 10MB or 512k', parseSize);

export const positiveInt = (what = 'a whole number of at least 1') =>
  z.number({ error: (iss) => `expected ${what}, got ${show(iss.input)}` }).int({ error: (iss) => `expected ${what}, got ${show(iss.input)}` }).min(1, { error: (iss) => `expected ${what}, got ${show(iss.input)}` });

export const endpoint = (defaultPort: number) =>
  z.string({ error: (iss) => `expected "address:port", got ${show(iss.input)}` }).transform((v, ctx): Endpoint => {
    const ep = parseEndpoint(v, defaultPort);
    if (!ep) {
      ctx.addIssue({ code: 'custom', message: `expected "address:port" with an IP address and a port 1-65535 (e.g. "127.0.0.1:${defaultPort}" or "[::1]:${defaultPort}"), got ${show(v)}`, input: v });
      return z.NEVER;
    }
    return ep;
  });

/** A domain name: stored lower-case, in ASCII (IDN as punycode), without a trailing dot. */
export const domainName = () =>
  z.string({ error: (iss) => `expected a domain name, got ${show(iss.input)}` }).transform((v, ctx) => {
    const trimmed = v.trim().replace(/\.$/, '');
    const ascii = trimmed === '' ? '' : domainToASCII(trimmed);
    const valid = ascii !== '' && ascii.length <= 253 && ascii.split('.').every((l) => l.length >= 1 && l.length <= 63);
    if (!valid) {
      ctx.addIssue({ code: 'custom', message: `expected a domain name like example.com, got ${show(v)}`, input: v });
      return z.NEVER;
    }
    return ascii.toLowerCase();
  });

/** A file or folder path, resolved against the directory of the configuration file. */
export const pathIn = (baseDir: string) =>
  z.string({ error: (iss) => `expected a file path, got ${show(iss.input)}` }).min(1, { error: 'expected a file path, got an empty string' }).transform((v) => resolve(baseDir, v));
