// dns.keys (TSIG keys) and the fields that name them: access lists (allowTransfer and the other
// allow* lists) and NOTIFY targets, parts of the dns section.
import { z } from 'zod';
import { cidr, endpoint, show } from '../fields.ts';
import { listOf } from './common.ts';
import type { Endpoint } from '../endpoint.ts';

const ALGORITHMS = ['hmac-sha1', 'hmac-sha224', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512'] as const;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const KEY_PREFIX = 'key:';

/** A key name: a domain name, compared without case and trailing dot. */
const keyName = () =>
  z
    .string({ error: (iss) => `expected the name of a key in dns.keys, got ${show(iss.input)}` })
    .transform((v) => v.trim().replace(/\.$/, '').toLowerCase())
    .refine((v) => /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(v), { error: (iss) => `expected a key name like xfr-key (letters, digits, "-", "_" and dots), got ${show(iss.input)}` });

const tsigKey = z.strictObject({
  name: keyName(),
  algorithm: z
    .string({ error: (iss) => `expected one of ${ALGORITHMS.join(', ')}, got ${show(iss.input)}` })
    .transform((v) => v.toLowerCase())
    .refine((v) => (ALGORITHMS as readonly string[]).includes(v), { error: (iss) => `expected one of ${ALGORITHMS.join(', ')} (hmac-md5 is not offered: RFC 8945 deprecates it), got ${show(iss.input)}` }),
  secret: z
    .string({ error: (iss) => `expected the secret in base64, got ${show(iss.input)}` })
    .transform((v) => v.replace(/\s+/g, ''))
    .refine((v) => v !== '' && BASE64.test(v), { error: 'expected the secret in base64, e.g. from "tsig-keygen NAME" or "openssl rand -base64 32"' }),
});

/** dns.keys: each name once. */
export const keysSection = () =>
  listOf(tsigKey)
    .default([])
    .superRefine((keys, ctx) => {
      const seen = new Set<string>();
      keys.forEach((key, i) => {
        if (seen.has(key.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `key ${key.name} is listed twice; list each key once` });
        seen.add(key.name);
      });
    });

/** A field written either as a string or as a mapping; an error names what is wrong inside
 *  the form used, not "invalid input" as a zod union would. */
function stringOrMapping<S, M>(text: z.ZodType<S>, mapping: z.ZodType<M>, forms: string) {
  return z.unknown().transform((v, ctx): S | M => {
    const parsed = typeof v === 'string' ? text.safeParse(v) : v !== null && typeof v === 'object' && !Array.isArray(v) ? mapping.safeParse(v) : undefined;
    if (parsed?.success) return parsed.data;
    const first = parsed?.error.issues[0];
    ctx.addIssue({ code: 'custom', message: first?.message ?? `expected ${forms}, got ${show(v)}`, path: first?.path ?? [], input: v });
    return z.NEVER;
  });
}

const RULE_FORMS = 'a network like 192.0.2.0/24, "key:NAME" or { address, key }';

const ruleText = z.string().transform((v, ctx): string => {
  if (v.startsWith(KEY_PREFIX)) {
    const parsed = keyName().safeParse(v.slice(KEY_PREFIX.length));
    if (parsed.success) return `${KEY_PREFIX}${parsed.data}`;
    ctx.addIssue({ code: 'custom', message: `expected "key:" and the name of a key in dns.keys, got ${show(v)}`, input: v });
    return z.NEVER;
  }
  const network = cidr().safeParse(v);
  if (network.success) return network.data;
  ctx.addIssue({ code: 'custom', message: `expected ${RULE_FORMS}, got ${show(v)}`, input: v });
  return z.NEVER;
});

/** An access list: any element that matches allows (a network, "key:NAME", or { address, key }
 *  needing both); an empty list allows nobody. */
export const accessListField = () => listOf(stringOrMapping(ruleText, z.strictObject({ address: cidr(), key: keyName() }), RULE_FORMS));

/** NOTIFY targets: "address:port", or { address, key } to sign the NOTIFY with a key of dns.keys. */
export const notifyTargetsField = () =>
  listOf(stringOrMapping(endpoint(53).transform((address): { address: Endpoint; key?: string } => ({ address })), z.strictObject({ address: endpoint(53), key: keyName().optional() }), '"address:port" or { address, key }'));

/** The key names an access list or a target list uses, for checking they are in dns.keys. */
export function keysUsed(list: readonly (string | { address: unknown; key?: string })[]): string[] {
  return list.flatMap((item) => (typeof item === 'string' ? (item.startsWith(KEY_PREFIX) ? [item.slice(KEY_PREFIX.length)] : []) : item.key === undefined ? [] : [item.key]));
}
