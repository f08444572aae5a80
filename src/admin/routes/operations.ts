// /api/deliveries, /api/activity, /api/counters, /api/dns/*, /api/directory/lookup,
// /api/config/check: what happened, what is happening now, and the DNS, directory and
// configuration questions and actions.
import type { FastifyInstance } from 'fastify';
import type { Activity } from '../activity.ts';
import { sendCommandReply, type AdminContext } from '../admin-context.ts';
import type { DeliveryLog, DeliverySearch } from '../delivery-log.ts';

const STATUSES = new Set(['sent', 'deferred', 'bounced']);
const MAX_RESULTS = 500;

export function operationsRoutes(app: FastifyInstance, ctx: AdminContext, deliveryLog: DeliveryLog, activity: Activity): void {
  app.get<{ Querystring: { q?: string; status?: string; since?: string; limit?: string } }>('/api/deliveries', async (request, reply) => {
    const { q, status, since, limit } = request.query;
    if (status !== undefined && status !== '' && !STATUSES.has(status)) return reply.code(400).send({ ok: false, message: `status: expected one of sent, deferred, bounced, got "${status}"` });
    const sinceMs = since === undefined || since === '' ? undefined : Date.parse(since);
    if (sinceMs !== undefined && Number.isNaN(sinceMs)) return reply.code(400).send({ ok: false, message: `since: expected a date like 2026-11-29T08:00:00Z, got "${since}"` });
    const count = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(count) || count < 1 || count > MAX_RESULTS) return reply.code(400).send({ ok: false, message: `limit: expected a whole number from 1 to ${MAX_RESULTS}, got "${limit}"` });
    const search: DeliverySearch = { text: q || undefined, status: (status || undefined) as DeliverySearch['status'], since: sinceMs, limit: count };
    return { deliveries: deliveryLog.search(search).map((d) => ({ ...d, at: new Date(d.at).toISOString() })) };
  });

  app.get('/api/activity', async () => activity.report());

  app.get('/api/counters', async () => ({ queue: ctx.backend.queueCounts() ?? null, dns: await ctx.backend.dnsCounters() }));

  app.get('/api/dns/zones', async () => ({ zones: ctx.backend.dnsZones() }));

  app.post('/api/dns/reload', async (request, reply) => {
    const result = await ctx.backend.dnsReload();
    ctx.audit(request, 'dns reload', undefined, result);
    return sendCommandReply(reply, result);
  });

  app.get<{ Querystring: { address?: string } }>('/api/directory/lookup', async (request, reply) => {
    const address = request.query.address?.trim() ?? '';
    if (!/^[^\s@<>]+@[^\s@<>]+$/.test(address) || address.length > 320) return reply.code(400).send({ ok: false, message: `address: expected an address like user@example.com, got "${address}"` });
    return ctx.backend.directoryLookup(address);
  });

  app.get('/api/config/check', async (request, reply) => {
    const result = await ctx.backend.checkConfig();
    return reply.code(200).send(result);
  });
}
