// Opening an LDAP connection the way the configuration says: ldaps:// or StartTLS with the
// server's certificate verified (against `ca`, or the system's CAs), then a simple bind.
import { isIP, type Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Client } from 'ldapts';

export interface LdapServer {
  url: string;
  startTls: boolean;
  /** PEM CA certificates; the system's when undefined. */
  ca?: string;
  timeoutMs: number;
}

function tlsOptions(server: LdapServer): ConnectionOptions {
  const host = new URL(server.url).hostname.replace(/^\[|\]$/g, '');
  // SNI takes names only (RFC 6066 §3); the identity check uses `host` either way.
  return { host, ...(isIP(host) === 0 ? { servername: host } : {}), ...(server.ca === undefined ? {} : { ca: server.ca }), rejectUnauthorized: true };
}

export interface LdapConnection {
  client: Client;
  /** False once the server has closed the connection. */
  isOpen(): boolean;
}

/** A connected client, bound as `dn` (anonymous when dn is undefined). Closed again when any step fails. */
export async function openLdap(server: LdapServer, dn?: string, password?: string): Promise<LdapConnection> {
  // ldapts speaks TLS from the first byte whenever tlsOptions are given: only for ldaps://.
  const implicitTls = /^ldaps:/i.test(server.url);
  const client = new Client({ url: server.url, timeout: server.timeoutMs, connectTimeout: server.timeoutMs, ...(implicitTls ? { tlsOptions: tlsOptions(server) } : {}), strictDN: false });
  let open = true;
  try {
    if (server.startTls) {
      await client.startTLS(tlsOptions(server));
      // ldapts 8 watches only the plain socket for its end: after StartTLS, a connection the
      // server closed still says isConnected, and every request on it waits for its timeout.
      (client as unknown as { socket?: Socket }).socket?.once('close', () => (open = false));
    }
    // Without a bindDn the service binds anonymously (RFC 4513 §5.1.1): explicitly, so the
    // connection is open (and known to be) before the pool hands it out.
    await client.bind(dn ?? '', dn === undefined ? '' : password);
    return { client, isOpen: () => open && client.isConnected };
  } catch (err) {
    await client.unbind().catch(() => undefined);
    throw err;
  }
}
