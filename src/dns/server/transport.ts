// What the network listeners need from the query engine: bytes in, bytes out (or nothing).

export type Transport = 'udp' | 'tcp';

/** A list is several messages for one query (a zone transfer over TCP), written back to back. */
export type Answer = Buffer | Buffer[] | undefined;

/**
 * Answers one DNS message; undefined means drop it. Must never throw (nor reject). Queries that
 * need work elsewhere (recursion, an update, a transfer) answer with a promise; plain ones stay
 * synchronous, so the fast path costs no microtask.
 */
export type QueryHandler = (query: Buffer, transport: Transport, clientAddress: string) => Answer | Promise<Answer>;

/** Answers a NOTIFY (RFC 1996) with one message, or drops it. */
export type NotifyHandler = (query: Buffer, transport: Transport, clientAddress: string) => Buffer | undefined;
