// Messages other than queries (UPDATE, NOTIFY) go to handlers of their own; everything else to
// the responder. Only the opcode in the header is read here, so queries lose nothing.
import type { QueryHandler } from './transport.ts';

const HEADER_LENGTH = 12;
const QR = 0x80;

export function withOpcodeHandlers(respond: QueryHandler, handlers: ReadonlyMap<number, QueryHandler>): QueryHandler {
  if (handlers.size === 0) return respond;
  return (query, transport, client) => {
    if (query.length >= HEADER_LENGTH && (query[2]! & QR) === 0) {
      const handler = handlers.get((query[2]! >> 3) & 0x0f);
      if (handler) return handler(query, transport, client);
    }
    return respond(query, transport, client);
  };
}
