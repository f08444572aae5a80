import { z } from 'zod';
import { domainName, show, unknownType } from '../fields.ts';
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

export const routesSection = ({ path }: SectionContext) => {
  const maildir = z.strictObject({ type: z.literal('maildir'), path });
  const route = z.discriminatedUnion('type', [maildir], { error: unknownType('route', ['maildir']) });
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
