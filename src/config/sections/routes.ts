import { isAbsolute } from 'node:path';
import { isIP } from 'node:net';
import { z } from 'zod';
import { domainName, port, show, unknownType } from '../fields.ts';
import { type SectionContext } from './common.ts';

/** A route's key: a domain, ".domain" for every subdomain of it, or "*" for every other domain. */
const routeKey = z.string().transform((key, ctx) => {
  if (key === '*') return key;
  const subdomains = key.startsWith('.');
  const name = domainName().safeParse(subdomains ? key.slice(1) : key);
  if (!name.success) {
    ctx.addIssue({ code: 'custom', message: `expected a domain, ".domain" (its subdomains) or "*" as a route's name, got ${show(key)}` });
    return z.NEVER;
  }
  return subdomains ? `.${name.data}` : name.data;
});

/** A next hop's host: an IP address or a host name (looked up for A/AAAA, never for MX). */
const host = () =>
  z.string({ error: (iss) => `expected a host name or IP address, got ${show(iss.input)}` }).transform((v, ctx) => {
    if (isIP(v) !== 0) return v;
    const name = domainName().safeParse(v);
    if (name.success) return name.data;
    ctx.addIssue({ code: 'custom', message: `expected a host name or IP address like mail.internal.example or 10.0.0.25, got ${show(v)}` });
    return z.NEVER;
  });

export const ROUTE_TYPES = ['mx', 'smtp', 'lmtp', 'maildir', 'discard', 'reject'] as const;

export const routesSection = ({ path }: SectionContext) => {
  const mx = z.strictObject({ type: z.literal('mx') });
  const smtp = z.strictObject({ type: z.literal('smtp'), host: host(), port: port().default(25) });
  const lmtp = z
    .strictObject({
      type: z.literal('lmtp'),
      host: host().optional(),
      port: port().optional(),
      socket: z.string().refine(isAbsolute, { error: 'expected an absolute path to a unix socket, like /run/dovecot/lmtp' }).optional(),
    })
    .refine((r) => (r.host === undefined) !== (r.socket === undefined) && !(r.socket !== undefined && r.port !== undefined), {
      error: 'an lmtp route needs either host (and port, default 24) or socket (an absolute path to a unix socket), not both',
    })
    .transform((r) => (r.socket !== undefined ? { type: r.type, socket: r.socket } : { type: r.type, host: r.host!, port: r.port ?? 24 }));
  const maildir = z.strictObject({ type: z.literal('maildir'), path });
  const discard = z.strictObject({ type: z.literal('discard') });
  const reject = z.strictObject({ type: z.literal('reject'), message: z.string().min(1).default('Mail for this domain is not accepted') });
  const route = z.discriminatedUnion('type', [mx, smtp, lmtp, maildir, discard, reject], { error: unknownType('route', ROUTE_TYPES) });
  return z
    .record(routeKey, route, {
      error: (iss) => {
        if (iss.code === 'invalid_type') return `expected a mapping of domain to route, got ${show(iss.input)}`;
        // zod wraps a bad key's own message in "Invalid key in record": say what is wrong with it
        if (iss.code === 'invalid_key') return iss.issues[0]?.message;
        return undefined;
      },
    })
    .default({});
};

export type Routes = z.output<ReturnType<typeof routesSection>>;
export type Route = Routes[string];

const MX_ROUTE: Route = { type: 'mx' };

/** The route of a recipient domain: the configured one, else MX (the Internet's default). */
export function deliveryRoute(routes: Routes, domain: string): Route {
  return routeFor(routes, domain) ?? MX_ROUTE;
}

/** The route for a domain: the exact name first, then ".parent" entries from the nearest up, then "*". */
export function routeFor<R>(routes: Record<string, R>, domain: string): R | undefined {
  const name = domain.toLowerCase();
  if (routes[name] !== undefined) return routes[name];
  for (let dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
    const parent = routes[name.slice(dot)];
    if (parent !== undefined) return parent;
  }
  return routes['*'];
}
