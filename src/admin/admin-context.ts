// What every route module of the admin API gets: the backend, the logger, and the change log.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../log/logger.ts';
import type { AdminBackend, CommandReply } from './backend.ts';

export interface AdminContext {
  backend: AdminBackend;
  logger: Logger;
  /** Logs a change with who made it (the token's name) and from where. */
  audit(request: FastifyRequest, action: string, target: string | undefined, reply: CommandReply): void;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The name of the token the request authenticated with ("admin" for admin.token). */
    actor: string;
  }
}

export function adminContext(backend: AdminBackend, logger: Logger): AdminContext {
  return {
    backend,
    logger,
    audit(request, action, target, reply) {
      logger.info({ actor: request.actor, client: request.ip, action, ...(target === undefined ? {} : { target }), ok: reply.ok, result: reply.message }, 'admin change');
    },
  };
}

/** A command's reply as HTTP: 200 when done, 404 for an unknown message, 409 for anything else refused. */
export function sendCommandReply(reply: FastifyReply, result: CommandReply): FastifyReply {
  const status = result.ok ? 200 : /^no (message|such)/.test(result.message) ? 404 : 409;
  return reply.code(status).send({ ok: result.ok, message: result.message, ...(result.details ? { details: result.details } : {}) });
}
