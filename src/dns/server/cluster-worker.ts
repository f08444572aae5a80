// Entry point of a node:cluster worker of the DNS server: runs a LocalDnsServer on the
// endpoints the primary chose (the sockets are shared through the primary) and sends its log
// lines to the primary, which writes them with the one logger of the process.

import { Writable } from 'node:stream';
import { createLogger, silentLogger, type LogSettings } from '../../log/logger.ts';
import type { FromWorker, ToWorker } from './cluster-messages.ts';
import { dropPrivileges } from '../../system/privileges.ts';
import { LocalDnsServer } from './local-server.ts';
import type { QueryHandler } from './transport.ts';

function send(message: FromWorker): void {
  process.send?.(message);
}

const toPrimary = new Writable({
  write(chunk: Buffer, _encoding, done) {
    send({ kind: 'log', line: chunk.toString('utf8') });
    done();
  },
});

let server: LocalDnsServer | undefined;
let nextForwardId = 1;
const forwardedAnswers = new Map<number, (response: Buffer | undefined) => void>();

/** Hands a message to the primary and waits for its answer. */
function forwardToPrimary(opcode: number): QueryHandler {
  return (query, transport, client) =>
    new Promise((resolve) => {
      const id = nextForwardId++;
      forwardedAnswers.set(id, resolve);
      send({ kind: 'forward', id, opcode, query: query.toString('base64'), client, transport });
    });
}

process.on('message', (message: ToWorker) => {
  switch (message.kind) {
    case 'start': {
      const logger = createLogger({ level: message.options.logLevel as LogSettings['level'], format: 'json' }, toPrimary);
      const zoneLogger = message.options.logZones ? logger : silentLogger();
      const forwarded = new Map(message.options.forwardOpcodes.map((opcode) => [opcode, forwardToPrimary(opcode)]));
      LocalDnsServer.start({ ...message.options, logger, zoneLogger, forwarded }).then(
        (started) => {
          server = started;
          // A worker forked before the primary dropped its privileges is root: the shared sockets
          // are bound by now, so it needs root no longer.
          try {
            if (message.options.runAs.user && process.getuid?.() === 0) dropPrivileges(message.options.runAs, logger);
          } catch (err) {
            send({ kind: 'start-failed', message: (err as Error).message });
            return;
          }
          send({ kind: 'started', report: started.loaded });
        },
        (err: Error) => send({ kind: 'start-failed', message: err.message }),
      );
      break;
    }
    case 'forwarded': {
      const answer = forwardedAnswers.get(message.id);
      forwardedAnswers.delete(message.id);
      answer?.(message.response === undefined ? undefined : Buffer.from(message.response, 'base64'));
      break;
    }
    case 'reload':
      void server?.reload(message.zones).then((report) => send({ kind: 'reloaded', id: message.id, report }));
      break;
    case 'counters':
      if (server !== undefined) send({ kind: 'counted', id: message.id, counters: server.counters() });
      break;
    case 'close':
      void (server?.close() ?? Promise.resolve()).then(() => {
        send({ kind: 'closed' });
        process.disconnect();
      });
      break;
  }
});

send({ kind: 'loaded' });
