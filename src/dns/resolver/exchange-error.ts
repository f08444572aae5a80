// Why one question to one server got no usable reply.

export type ExchangeFailure =
  | 'TIMEOUT' // nothing acceptable arrived in time
  | 'NETWORK' // the socket failed: port unreachable, connection refused or reset
  | 'BADRESPONSE' // the server's reply was unusable (a TCP stream cut short, a mismatched TCP reply)
  | 'ABORTED'; // the resolver was closed

export class ExchangeError extends Error {
  constructor(
    readonly failure: ExchangeFailure,
    message: string,
  ) {
    super(message);
    this.name = 'ExchangeError';
  }
}
