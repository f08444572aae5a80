// DNS needs the same port free on UDP and TCP: take one the OS picks for UDP and check TCP on it.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

function freeUdpPort(address: string): Promise<number> {
  return new Promise((done, fail) => {
    const socket = createSocket('udp4');
    socket.once('error', fail);
    socket.bind(0, address, () => {
      const { port } = socket.address();
      socket.close(() => done(port));
    });
  });
}

function tcpPortIsFree(address: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, address, () => server.close(() => done(true)));
  });
}

/** A port that is free on both UDP and TCP at `address` right now (the servers bind it a moment later). */
export async function freeDnsPort(address: string): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freeUdpPort(address);
    if (await tcpPortIsFree(address, port)) return port;
  }
  throw new Error(`no port free on both UDP and TCP at ${address} after 20 attempts`);
}
