// The shape of GET /api/activity, without imports, so the web console (built for the browser)
// shares it with the server instead of declaring its own copy.

export interface MinuteBucket {
  /** Start of the minute, milliseconds since the epoch. */
  minute: number;
  accepted: number;
  delivered: number;
  deferred: number;
  bounced: number;
  refused: number;
  dnsQueries: number;
}

export interface ActivityReport {
  minutes: MinuteBucket[];
  topRefusals: Array<{ check: string; reply: string; count: number }>;
}
