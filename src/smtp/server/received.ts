// The Received trace header (RFC 5321 §4.4), with the protocol keyword of RFC 3848.

export interface ReceivedInfo {
  helo: string;
  address: string;
  hostname: string;
  /** The queue id, so the header leads to the log lines of this message. */
  queueId: string;
  esmtp: boolean;
  tls?: { version: string; cipher: string };
  authenticated: boolean;
  /** Named in a "for" clause only when there is exactly one (several would disclose Bcc recipients). */
  recipients: readonly { address: string }[];
  date: Date;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 §3.3 date-time, in UTC. */
export function rfc5322Date(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

export function receivedHeader(r: ReceivedInfo): string {
  const protocol = `${r.esmtp ? 'E' : ''}SMTP${r.esmtp && r.tls ? 'S' : ''}${r.esmtp && r.authenticated ? 'A' : ''}`;
  const literal = r.address.includes(':') ? `IPv6:${r.address}` : r.address;
  const helo = r.helo.replace(/[^\x21-\x7e]/g, '?');
  const tls = r.tls ? `\r\n\t(using ${r.tls.version} with cipher ${r.tls.cipher})` : '';
  const forClause = r.recipients.length === 1 ? `\r\n\tfor <${r.recipients[0]!.address}>` : '';
  return `Received: from ${helo} ([${literal}])\r\n\tby ${r.hostname} (Postern) with ${protocol} id ${r.queueId}${tls}${forClause};\r\n\t${rfc5322Date(r.date)}\r\n`;
}
