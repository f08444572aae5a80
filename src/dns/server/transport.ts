// What the network listeners need from the query engine: bytes in, bytes out (or nothing).

export type Transport = 'udp' | 'tcp';

/** Answers one DNS message; undefined means drop it. Must never throw. */
export type QueryHandler = (query: Buffer, transport: Transport, clientAddress: string) => Buffer | undefined;
