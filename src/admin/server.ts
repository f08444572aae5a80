// The admin listener (fastify): the JSON API under /api/, Prometheus metrics at /metrics, and
// the web console at /. Every /api/ request needs a bearer token; /metrics too unless
// admin.metricsPublic. The console's files carry no data, so they are served without one:
// the console asks for the token and sends it with each API call.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from '../log/logger.ts';
import { Activity } from './activity.ts';
import { adminContext } from './admin-context.ts';
import type { AdminBackend } from './backend.ts';
import { loadConsoleFiles } from './console-files.ts';
import { DeliveryLog } from './delivery-log.ts';
import { metricsRegistry } from './metrics.ts';
import { operationsRoutes } from './routes/operations.ts';
import { quarantineRoutes } from './routes/quarantine.ts';
import { queueRoutes } from './routes/queue.ts';
import { SECURITY_HEADERS } from './security-headers.ts';
import type { AdminSettings } from './settings.ts';
import { TokenCheck } from './tokens.ts';

export interface AdminServer {
  readonly endpoint: { address: string; port: number; tls: boolean };
  close(): Promise<void>;
}

export async function startAdminServer(settings: AdminSettings, backend: AdminBackend, logger: Logger): Promise<AdminServer> {
  const app = (settings.tls ? Fastify({ https: { cert: settings.tls.cert, key: settings.tls.key }, logger: false }) : Fastify({ logger: false })) as unknown as FastifyInstance;
  const tokens = new TokenCheck(settings.tokens);
  const deliveryLog = new DeliveryLog(settings.dataDir, settings.deliveryLogSize);
  const stopLogging = backend.events.on('delivery', (e) => deliveryLog.add(e));
  const activity = new Activity(backend);
  const registry = metricsRegistry(backend);
  const consoleFiles = loadConsoleFiles();
  const ctx = adminContext(backend, logger);

  app.decorateRequest('actor', '');
  app.addHook('onRequest', async (request, reply) => {
    reply.headers(SECURITY_HEADERS);
    // Decided by the route the request matched, not by its URL's spelling (/%61pi/… reaches /api/…):
    // only the console's files, and /metrics when public, are open; anything else needs the token.
    const route = request.routeOptions.url;
    const path = request.url.split('?')[0]!;
    if (route === '/' || route === '/assets/:name' || (route === '/metrics' && settings.metricsPublic)) return;
    const actor = tokens.nameFor(request.headers.authorization);
    if (actor === undefined) {
      logger.warn({ client: request.ip, path }, 'admin: request without a valid token refused');
      return reply.code(401).header('www-authenticate', 'Bearer realm="postern"').send({ ok: false, message: 'a valid bearer token is needed: Authorization: Bearer <admin.token>' });
    }
    request.actor = actor;
  });

  app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  queueRoutes(app, ctx);
  quarantineRoutes(app, ctx);
  operationsRoutes(app, ctx, deliveryLog, activity);

  app.get<{ Params: { name: string } }>('/assets/:name', async (request, reply) => {
    const file = consoleFiles.get(request.params.name);
    if (!file || request.params.name === 'index.html') return reply.code(404).send({ ok: false, message: 'no such file' });
    return reply.type(file.type).send(file.body);
  });
  app.get('/', async (_request, reply) => {
    const index = consoleFiles.get('index.html');
    if (!index) return reply.code(503).type('text/plain; charset=utf-8').send('The web console is not built: run "npm run build:console" (npm ci and npm start do it).\n');
    return reply.type(index.type).send(index.body);
  });

  try {
    await app.listen({ host: settings.listen.address, port: settings.listen.port });
  } catch (err) {
    stopLogging();
    activity.close();
    deliveryLog.close();
    throw new Error(`admin.listen: cannot listen on ${settings.listen.address}:${settings.listen.port}: ${(err as Error).message}`);
  }
  const address = app.server.address() as { address: string; port: number };
  const endpoint = { address: address.address, port: address.port, tls: settings.tls !== undefined };
  logger.info({ endpoint, console: consoleFiles.has('index.html') }, 'admin API listening');
  return {
    endpoint,
    async close() {
      stopLogging();
      activity.close();
      await app.close();
      deliveryLog.close();
    },
  };
}
