import { isIP } from 'node:net';

export interface Endpoint {
  address: string;
  port: number;
}

/** "127.0.0.1:5353", "[::1]:53", or a bare address that takes the default port. */
export function parseEndpoint(text: string, defaultPort: number): Endpoint | undefined {
  const s = text.trim();
  let address: string;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (bracketed) {
    [, address, portText] = bracketed;
  } else if (isIP(s)) {
    address = s;
  } else {
    const colon = s.lastIndexOf(':');
    if (colon < 0) return undefined;
    address = s.slice(0, colon);
    portText = s.slice(colon + 1);
  }
  if (!isIP(address)) return undefined;
  if (portText === undefined) return { address, port: defaultPort };
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  return port >= 1 && port <= 65535 ? { address, port } : undefined;
}

export function formatEndpoint({ address, port }: Endpoint): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
