// The configuration schema: every key, its type and its default, defined once.
// Each top-level section has its own file in sections/; this file only assembles them.
// Documented key by key in docs/configuration.md; a new key is not done until it is there.
import { hostname as osHostname } from 'node:os';
import { z } from 'zod';
import { domainName, duration, pathIn } from './fields.ts';
import { adminSection } from './sections/admin.ts';
import { listOf } from './sections/common.ts';
import { contentSection } from './sections/content.ts';
import { deliverySection } from './sections/delivery.ts';
import { directorySection } from './sections/directory.ts';
import { dnsSection } from './sections/dns.ts';
import { logSection } from './sections/log.ts';
import { policySection } from './sections/policy.ts';
import { queueSection } from './sections/queue.ts';
import { relaySection } from './sections/relay.ts';
import { resolverSection } from './sections/resolver.ts';
import { routeFor, routesSection } from './sections/routes.ts';
import { smtpSection } from './sections/smtp.ts';

export function buildSchema(baseDir: string) {
  const path = pathIn(baseDir);
  const context = { path };

  return z
    .strictObject({
      hostname: domainName().prefault(osHostname()),
      dataDir: path.prefault('./var'),
      user: z.string().min(1).optional(),
      group: z.string().min(1).optional(),
      shutdownTimeout: duration().prefault('30s'),
      log: logSection(),
      smtp: smtpSection(context),
      domains: listOf(domainName()).default([]),
      relay: relaySection(),
      policy: policySection(context),
      content: contentSection(context),
      routes: routesSection(context),
      delivery: deliverySection(context),
      directory: directorySection(context),
      queue: queueSection(),
      resolver: resolverSection(),
      dns: dnsSection(context),
      admin: adminSection(context),
    })
    .superRefine((config, ctx) => {
      config.domains.forEach((domain, i) => {
        const route = routeFor(config.routes, domain);
        if (route === undefined || route.type === 'mx') {
          ctx.addIssue({
            code: 'custom',
            path: ['domains', i],
            message: `${domain} ${route === undefined ? 'has no route' : 'is routed by MX'}: add a route for it under routes, e.g. routes: { ${domain}: { type: smtp, host: 10.0.0.25 } } or { type: maildir, path: ./var/mail } (delivering our own domain by MX would loop back to Postern)`,
          });
        }
      });
      checkSubmission(config, ctx);
    });
}

/** Submission listeners need users to authenticate against, and TLS to protect their passwords. */
function checkSubmission(
  config: { smtp: { listeners: Array<{ role: string }>; tls: { certificates: unknown[] }; auth: { allowPlaintext: boolean } }; directory: { backends: unknown[] } },
  ctx: z.RefinementCtx,
): void {
  config.smtp.listeners.forEach((listener, i) => {
    if (listener.role === 'mta') return;
    const path = ['smtp', 'listeners', i, 'role'];
    if (config.directory.backends.length === 0) {
      ctx.addIssue({ code: 'custom', path, message: `role ${listener.role} needs users to authenticate: add directory.backends, e.g. [ { type: file, path: users.yaml } ] (and create users with "postern user add")` });
    }
    const needsCertificate = listener.role === 'submissions' || !config.smtp.auth.allowPlaintext;
    if (needsCertificate && config.smtp.tls.certificates.length === 0) {
      ctx.addIssue({ code: 'custom', path, message: `role ${listener.role} needs a TLS certificate: add smtp.tls.certificates, e.g. [ { cert: /etc/postern/mx.pem, key: /etc/postern/mx.key } ]` });
    }
  });
}

export type Config = z.output<ReturnType<typeof buildSchema>> & { configFile: string };
