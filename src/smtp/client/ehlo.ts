// The service extensions a peer lists in its EHLO (or LHLO) reply (RFC 5321 §4.1.1.1).
import type { PeerExtensions } from './types.ts';

export const NO_EXTENSIONS: PeerExtensions = {
  pipelining: false, eightBitMime: false, smtputf8: false, dsn: false, chunking: false, startTls: false, requireTls: false,
};

/** The EHLO reply's lines after the first (which is the server's name). */
export function parseExtensions(lines: string[]): PeerExtensions {
  const ext: PeerExtensions = { ...NO_EXTENSIONS };
  for (const line of lines.slice(1)) {
    const [keyword = '', ...params] = line.trim().split(/\s+/);
    switch (keyword.toUpperCase()) {
      case 'PIPELINING': ext.pipelining = true; break;
      case '8BITMIME': ext.eightBitMime = true; break;
      case 'SMTPUTF8': ext.smtputf8 = true; break;
      case 'DSN': ext.dsn = true; break;
      case 'CHUNKING': ext.chunking = true; break;
      case 'STARTTLS': ext.startTls = true; break;
      case 'REQUIRETLS': ext.requireTls = true; break;
      case 'SIZE': {
        // "SIZE" alone or "SIZE 0" announce no fixed limit (RFC 1870 §4).
        const limit = Number(params[0]);
        if (/^\d+$/.test(params[0] ?? '') && limit > 0) ext.size = limit;
        break;
      }
    }
  }
  return ext;
}
