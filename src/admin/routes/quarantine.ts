// /api/quarantine: what content checks kept from delivery, with a safe preview, release and delete
// (the quarantine store's own commands, reached through the backend).
import type { FastifyInstance } from 'fastify';
import { sendCommandReply, type AdminContext } from '../admin-context.ts';
import { summariseMessage } from '../message-summary.ts';
import { previewMessage } from '../message-preview.ts';

const QUEUE_ID = /^[0-9A-Za-z]{1,40}$/;

export function quarantineRoutes(app: FastifyInstance, ctx: AdminContext): void {
  const quarantine = ctx.backend.quarantine?.bind(ctx.backend);
  const none = { ok: false, message: 'no SMTP listeners are configured: there is no quarantine' };
  const badId = (id: string) => ({ ok: false, message: `"${id}" is not a queue id` });

  app.get('/api/quarantine', async (_request, reply) => {
    if (!quarantine) return sendCommandReply(reply, none);
    const result = await quarantine(['list', '--json']);
    if (!result.ok) return sendCommandReply(reply, result);
    return { entries: JSON.parse(result.details?.[0] ?? '[]') as unknown[] };
  });

  app.get<{ Params: { id: string } }>('/api/quarantine/:id', async (request, reply) => {
    if (!quarantine) return sendCommandReply(reply, none);
    const { id } = request.params;
    if (!QUEUE_ID.test(id)) return reply.code(400).send(badId(id));
    const result = await quarantine(['show', id]);
    if (!result.ok) return sendCommandReply(reply, result);
    const body = ctx.backend.readMessage?.(id);
    const summary = body ? await summariseMessage(body).catch(() => undefined) : undefined;
    return { ...(JSON.parse(result.details?.[0] ?? '{}') as object), attachments: summary?.attachments ?? [] };
  });

  app.get<{ Params: { id: string } }>('/api/quarantine/:id/preview', async (request, reply) => {
    if (!quarantine) return sendCommandReply(reply, none);
    const { id } = request.params;
    if (!QUEUE_ID.test(id)) return reply.code(400).send(badId(id));
    const shown = await quarantine(['show', id]);
    const body = shown.ok ? ctx.backend.readMessage?.(id) : undefined;
    if (!body) return sendCommandReply(reply, shown.ok ? { ok: false, message: `no message ${id} in quarantine` } : shown);
    return previewMessage(body);
  });

  for (const [method, action] of [['post', 'release'], ['delete', 'delete']] as const) {
    const path = action === 'release' ? '/api/quarantine/:id/release' : '/api/quarantine/:id';
    app[method]<{ Params: { id: string } }>(path, async (request, reply) => {
      if (!quarantine) return sendCommandReply(reply, none);
      const { id } = request.params;
      if (!QUEUE_ID.test(id)) return reply.code(400).send(badId(id));
      const result = await quarantine([action, id]);
      ctx.audit(request, `quarantine ${action}`, id, result);
      return sendCommandReply(reply, result);
    });
  }
}
