// EDNS(0) options (RFC 6891) that the server and resolver build or read: NSID, COOKIE,
// TCP keepalive, padding and extended DNS errors. The OPT record itself is Message.edns.

import type { EdnsOption } from './model.ts';

/** RFC 9715 / RFC 8914 §6: 1232 avoids IP fragmentation on practically every path. */
export const DEFAULT_EDNS_UDP_SIZE = 1232;

export const EdnsOptionCode = {
  NSID: 3, // RFC 5001
  COOKIE: 10, // RFC 7873
  TCP_KEEPALIVE: 11, // RFC 7828
  PADDING: 12, // RFC 7830
  EDE: 15, // RFC 8914
} as const;

/** RFC 8914 §4 info codes the server may send. */
export const ExtendedErrorCode = {
  OTHER: 0,
  STALE_ANSWER: 3,
  BLOCKED: 15,
  PROHIBITED: 18,
  NOT_AUTHORITATIVE: 20,
  NOT_SUPPORTED: 21,
  NO_REACHABLE_AUTHORITY: 22,
  NETWORK_ERROR: 23,
  INVALID_DATA: 24,
} as const;

/** An extended DNS error: a 16-bit info code and optional UTF-8 text for humans. */
export function edeOption(infoCode: number, text = ''): EdnsOption {
  const textBytes = Buffer.from(text, 'utf8');
  const data = Buffer.allocUnsafe(2 + textBytes.length);
  data.writeUInt16BE(infoCode, 0);
  textBytes.copy(data, 2);
  return { code: EdnsOptionCode.EDE, data };
}

export interface ExtendedError {
  infoCode: number;
  text: string;
}

/** Reads an EDE option's data; undefined when it is shorter than the info code. */
export function extendedErrorFromOption(data: Buffer): ExtendedError | undefined {
  if (data.length < 2) return undefined;
  return { infoCode: data.readUInt16BE(0), text: data.toString('utf8', 2) };
}

export interface EdnsCookie {
  /** 8 octets, chosen by the client. */
  client: Buffer;
  /** 8 to 32 octets, chosen by the server; absent in a client's first query. */
  server?: Buffer;
}

const CLIENT_COOKIE_LENGTH = 8;
const MIN_SERVER_COOKIE_LENGTH = 8;
const MAX_SERVER_COOKIE_LENGTH = 32;

/** RFC 7873 §5.2.2: any other length of COOKIE data must be answered with FORMERR. */
export function isWellFormedCookie(data: Buffer): boolean {
  const serverLength = data.length - CLIENT_COOKIE_LENGTH;
  return serverLength === 0 || (serverLength >= MIN_SERVER_COOKIE_LENGTH && serverLength <= MAX_SERVER_COOKIE_LENGTH);
}

/** Splits COOKIE data into its parts; undefined when malformed (see isWellFormedCookie). */
export function cookieFromOption(data: Buffer): EdnsCookie | undefined {
  if (!isWellFormedCookie(data)) return undefined;
  const client = Buffer.from(data.subarray(0, CLIENT_COOKIE_LENGTH));
  if (data.length === CLIENT_COOKIE_LENGTH) return { client };
  return { client, server: Buffer.from(data.subarray(CLIENT_COOKIE_LENGTH)) };
}

export function cookieOption(cookie: EdnsCookie): EdnsOption {
  return { code: EdnsOptionCode.COOKIE, data: Buffer.concat(cookie.server ? [cookie.client, cookie.server] : [cookie.client]) };
}

/** RFC 7830 padding of `length` zero octets (the option header adds 4 more). */
export function paddingOption(length: number): EdnsOption {
  return { code: EdnsOptionCode.PADDING, data: Buffer.alloc(length) };
}

/** RFC 7828: a server's idle timeout in units of 100 ms (a client sends no data). */
export function keepaliveOption(timeoutUnits100ms: number): EdnsOption {
  const data = Buffer.allocUnsafe(2);
  data.writeUInt16BE(timeoutUnits100ms, 0);
  return { code: EdnsOptionCode.TCP_KEEPALIVE, data };
}

/** RFC 5001: the server's identifier, as given. */
export function nsidOption(identifier: Buffer): EdnsOption {
  return { code: EdnsOptionCode.NSID, data: identifier };
}
