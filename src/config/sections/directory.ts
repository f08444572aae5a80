import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { duration, positiveInt, show, unknownType } from '../fields.ts';
import { listOf, type SectionContext } from './common.ts';

const attribute = (what: string) =>
  z.string({ error: (iss) => `expected an LDAP attribute name for ${what}, got ${show(iss.input)}` }).regex(/^[A-Za-z][A-Za-z0-9-]*$/, { error: (iss) => `expected an LDAP attribute name for ${what} (letters, digits, "-"), like mailHost, got ${show(iss.input)}` });

/** A search filter template: "%s" is replaced by the address, escaped (RFC 4515). */
const filterTemplate = () =>
  z.string({ error: (iss) => `expected an LDAP filter with %s for the address, got ${show(iss.input)}` }).refine((f) => f.includes('%s') && f.startsWith('(') && f.endsWith(')'), {
    error: (iss) => `expected an LDAP filter in parentheses with %s where the address goes, like "(|(mail=%s)(mailLocalAddress=%s))", got ${show(iss.input)}`,
  });

const ldapUrl = () =>
  z.string({ error: (iss) => `expected an LDAP URL like ldap://10.0.0.5:389 or ldaps://ldap.example.test, got ${show(iss.input)}` }).refine((u) => /^ldaps?:\/\/[^/?#]+\/?$/i.test(u), {
    error: (iss) => `expected an LDAP URL like ldap://10.0.0.5:389 or ldaps://ldap.example.test (scheme, host and optional port only), got ${show(iss.input)}`,
  });

const ldapBackend = ({ path }: SectionContext) =>
  z
    .strictObject({
      type: z.literal('ldap'),
      url: ldapUrl(),
      bindDn: z.string().min(1).optional(),
      password: z.string().min(1).optional(),
      /** The service password read from a file (first line), so it stays out of the configuration. */
      passwordFile: path.optional(),
      startTls: z.boolean().default(false),
      /** PEM CA certificates that verify the server's certificate (ldaps:// and startTls); the system's when absent. */
      ca: path.optional(),
      base: z.string().min(1, { error: 'expected the base DN to search under, like ou=people,dc=example,dc=test' }),
      filter: filterTemplate().default('(|(mail=%s)(mailLocalAddress=%s))'),
      addressAttribute: attribute('addressAttribute').default('mail'),
      routingAttribute: attribute('routingAttribute').default('mailHost'),
      forwardingAttribute: attribute('forwardingAttribute').default('mailForwardingAddress'),
      memberAttributes: listOf(attribute('memberAttributes')).default(['member', 'uniqueMember']),
      timeout: duration().prefault('5s'),
      poolSize: positiveInt().max(64, { error: 'expected a pool size from 1 to 64' }).default(4),
    })
    .superRefine((b, ctx) => {
      if (b.password !== undefined && b.passwordFile !== undefined) ctx.addIssue({ code: 'custom', path: ['passwordFile'], message: 'give password or passwordFile, not both' });
      if ((b.password !== undefined || b.passwordFile !== undefined) && b.bindDn === undefined) ctx.addIssue({ code: 'custom', path: ['bindDn'], message: 'a password needs bindDn, the DN Postern binds as, like cn=postern,dc=example,dc=test' });
      if (b.bindDn !== undefined && b.password === undefined && b.passwordFile === undefined) ctx.addIssue({ code: 'custom', path: ['password'], message: `bindDn ${b.bindDn} needs password or passwordFile (an empty password would be an anonymous bind)` });
      if (b.startTls && /^ldaps:/i.test(b.url)) ctx.addIssue({ code: 'custom', path: ['startTls'], message: 'ldaps:// is TLS from the first byte: drop startTls, or use ldap:// with startTls: true' });
      if (b.passwordFile !== undefined) {
        try {
          if (readFileSync(b.passwordFile, 'utf8').split('\n')[0]!.trim() === '') ctx.addIssue({ code: 'custom', path: ['passwordFile'], message: `${b.passwordFile} is empty: put the service password on its first line` });
        } catch (err) {
          ctx.addIssue({ code: 'custom', path: ['passwordFile'], message: `${b.passwordFile} cannot be read: ${(err as Error).message}` });
        }
      }
    });

/** Where Postern looks up users: backends tried in order, and how the answers are used at RCPT. */
export const directorySection = (context: SectionContext) => {
  const file = z.strictObject({ type: z.literal('file'), path: context.path });
  const backend = z.discriminatedUnion('type', [file, ldapBackend(context)], { error: unknownType('directory backend', ['file', 'ldap']) });
  return z
    .strictObject({
      backends: listOf(backend).default([]),
      /** A lookup that takes longer is a temporary failure (451 4.4.3). */
      timeout: duration().prefault('10s'),
      cache: z
        .strictObject({
          positiveTtl: duration().prefault('5m'),
          negativeTtl: duration().prefault('1m'),
          maxEntries: positiveInt().default(10_000),
        })
        .prefault({}),
      harvest: z
        .strictObject({
          delayAfter: positiveInt().default(3),
          delay: duration().prefault('1s'),
          maxDelay: duration().prefault('10s'),
          disconnectAfter: positiveInt().default(10),
        })
        .refine((h) => h.disconnectAfter > h.delayAfter, { error: 'harvest.disconnectAfter must be larger than harvest.delayAfter (slowed first, then disconnected)' })
        .prefault({}),
      expansion: z
        .strictObject({
          maxDepth: positiveInt().max(32, { error: 'expected a depth from 1 to 32' }).default(8),
          maxRecipients: positiveInt().default(1000),
        })
        .prefault({}),
    })
    .prefault({});
};

export type DirectoryConfig = z.output<ReturnType<typeof directorySection>>;
export type DirectoryBackendConfig = DirectoryConfig['backends'][number];
export type LdapBackendConfig = Extract<DirectoryBackendConfig, { type: 'ldap' }>;
