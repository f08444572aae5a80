// /api/queue: the mail queue, as `postern queue` shows and changes it (the same QueueAdmin,
// reached through the backend), with filters for the console.
import type { FastifyInstance } from 'fastify';
import { sendCommandReply, type AdminContext } from '../admin-context.ts';
import { summariseMessage } from '../message-summary.ts';

const QUEUE_ID = /^[0-9A-Za-z]{1,40}$/;
const ACTIONS = ['retry', 'hold', 'release', 'bounce'] as const;
/** A listing answers at most this many messages (the oldest first), with the number that matched. */
const MAX_LISTED = 1000;

interface QueuedRecipient {
  address: string;
  state: string;
  attempts: number;
  nextAttempt: string;
  lastError: string | null;
}
interface QueuedMessage {
  id: string;
  size: number;
  arrival: string;
  sender: string;
  held: boolean;
  recipients: QueuedRecipient[];
}

interface QueueFilter {
  domain?: string;
  status?: string;
  reason?: string;
}

/** Keeps a message when one of its pending recipients matches every filter given. */
function matches(message: QueuedMessage, filter: QueueFilter): boolean {
  const domain = filter.domain?.toLowerCase();
  const reason = filter.reason?.toLowerCase();
  if (filter.status === 'held') return message.held;
  return message.recipients.some(
    (r) =>
      (r.state === 'queued' || r.state === 'deferred') &&
      (!domain || r.address.slice(r.address.lastIndexOf('@') + 1).toLowerCase().includes(domain)) &&
      (!filter.status || r.state === filter.status) &&
      (!reason || (r.lastError ?? '').toLowerCase().includes(reason)),
  );
}

export function queueRoutes(app: FastifyInstance, ctx: AdminContext): void {
  const queue = ctx.backend.queue?.bind(ctx.backend);
  const noQueue = { ok: false, message: 'no SMTP listeners are configured: there is no mail queue' };

  app.get<{ Querystring: QueueFilter & { limit?: string } }>('/api/queue', async (request, reply) => {
    if (!queue) return sendCommandReply(reply, noQueue);
    const result = await queue(['list', '--json']);
    if (!result.ok) return sendCommandReply(reply, result);
    const messages = JSON.parse(result.details?.[0] ?? '[]') as QueuedMessage[];
    const { domain, status, reason, limit } = request.query;
    const count = limit === undefined || limit === '' ? MAX_LISTED : Number(limit);
    if (!Number.isInteger(count) || count < 1 || count > MAX_LISTED) return reply.code(400).send({ ok: false, message: `limit: expected a whole number from 1 to ${MAX_LISTED}, got "${limit}"` });
    const matching = messages.filter((m) => matches(m, { domain, status, reason }));
    return { messages: matching.slice(0, count), matched: matching.length, total: messages.length };
  });

  app.get<{ Params: { id: string } }>('/api/queue/:id', async (request, reply) => {
    if (!queue) return sendCommandReply(reply, noQueue);
    const { id } = request.params;
    if (!QUEUE_ID.test(id)) return reply.code(400).send({ ok: false, message: `"${id}" is not a queue id` });
    const result = await queue(['show', id]);
    if (!result.ok) return sendCommandReply(reply, result);
    const body = ctx.backend.readMessage?.(id);
    const summary = body ? await summariseMessage(body).catch((err: Error) => ({ error: `the message could not be parsed: ${err.message}` })) : undefined;
    return { ...(JSON.parse(result.details?.[0] ?? '{}') as object), ...(summary ? { summary } : {}) };
  });

  app.post('/api/queue/flush', async (request, reply) => {
    if (!queue) return sendCommandReply(reply, noQueue);
    const result = await queue(['flush']);
    ctx.audit(request, 'queue flush', undefined, result);
    return sendCommandReply(reply, result);
  });

  for (const action of ACTIONS) {
    app.post<{ Params: { id: string } }>(`/api/queue/:id/${action}`, async (request, reply) => {
      if (!queue) return sendCommandReply(reply, noQueue);
      const { id } = request.params;
      if (!QUEUE_ID.test(id)) return reply.code(400).send({ ok: false, message: `"${id}" is not a queue id` });
      const result = await queue([action, id]);
      ctx.audit(request, `queue ${action}`, id, result);
      return sendCommandReply(reply, result);
    });
  }

  app.delete<{ Params: { id: string } }>('/api/queue/:id', async (request, reply) => {
    if (!queue) return sendCommandReply(reply, noQueue);
    const { id } = request.params;
    if (!QUEUE_ID.test(id)) return reply.code(400).send({ ok: false, message: `"${id}" is not a queue id` });
    const result = await queue(['delete', id]);
    ctx.audit(request, 'queue delete', id, result);
    return sendCommandReply(reply, result);
  });
}
