// DNS cookies, server side (RFC 7873). The server cookie has RFC 9018's layout (version 1,
// reserved, timestamp, 8-octet hash) with HMAC-SHA256 in place of SipHash, which Node lacks.
// This issue does not enforce cookies (no BADCOOKIE): every answer to a query with a COOKIE
// simply carries the client cookie and a fresh server cookie, so no server cookie needs checking.

import { createHmac, randomBytes } from 'node:crypto';
import { cookieFromOption, cookieOption } from '../wire/edns.ts';
import type { EdnsOption } from '../wire/model.ts';

const COOKIE_VERSION = 1;

export class ServerCookies {
  private readonly secret = randomBytes(32);

  /** The COOKIE option for the response, or undefined when the query's COOKIE is malformed
   *  (RFC 7873 §5.2.2: FORMERR). */
  answer(queryCookie: Buffer, clientAddress: string): EdnsOption | undefined {
    const cookie = cookieFromOption(queryCookie);
    if (cookie === undefined) return undefined;
    const head = Buffer.alloc(8);
    head[0] = COOKIE_VERSION;
    head.writeUInt32BE(Math.floor(Date.now() / 1000) >>> 0, 4);
    const hash = createHmac('sha256', this.secret).update(cookie.client).update(head).update(clientAddress).digest().subarray(0, 8);
    return cookieOption({ client: cookie.client, server: Buffer.concat([head, hash]) });
  }
}
