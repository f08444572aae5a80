// A test's own ClamAV daemon, fully offline: its signature database is written here (the EICAR
// test file and one custom marker; there is no internet for freshclam), it listens on a
// 127.0.0.x TCP port from the OS and a unix socket in its folder, and can be stopped and started
// again on the same address (the "scanner down, scanner back" tests).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { startDaemon, type CleanupScope, type Daemon } from './daemon.ts';
import { freePort, tempDir } from './postern-process.ts';

const CLAMD = '/usr/sbin/clamd';

/** The EICAR test file, assembled so this source is not itself flagged by a scanner. */
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$' + 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
/** A marker our custom body signature finds anywhere in a file. */
export const VIRUS_MARKER = 'POSTERN-TEST-VIRUS-' + 'MARKER';
/** What clamd names them (test databases are unofficial: clamd adds ".UNOFFICIAL"). */
export const EICAR_SIGNATURE = 'Test.EICAR.NDB.UNOFFICIAL';
export const MARKER_SIGNATURE = 'Test.Postern.Marker.UNOFFICIAL';

export interface TestClamd {
  host: string;
  port: number;
  /** "host:port", as content.clamav.address takes it. */
  address: string;
  socketPath: string;
  stop(): Promise<void>;
  /** Starts it again on the same address after stop(). */
  start(): Promise<void>;
}

export interface ClamdSetup {
  host?: string;
  /** clamd's StreamMaxLength, e.g. "1M"; default 50M. */
  streamMaxLength?: string;
}

export async function startClamd(t: CleanupScope, setup: ClamdSetup = {}): Promise<TestClamd> {
  const host = setup.host ?? '127.0.0.1';
  const port = await freePort(host);
  const dir = tempDir('postern-clamd-');
  const socketPath = join(dir.path, 'clamd.sock');
  writeDatabase(join(dir.path, 'db'));
  mkdirSync(join(dir.path, 'tmp'));
  const configFile = join(dir.path, 'clamd.conf');
  writeFileSync(
    configFile,
    [
      'Foreground yes',
      `DatabaseDirectory ${dir.path}/db`,
      `TemporaryDirectory ${dir.path}/tmp`,
      `LogFile ${dir.path}/clamd.log`,
      `LocalSocket ${socketPath}`,
      `TCPSocket ${port}`,
      `TCPAddr ${host}`,
      'MaxThreads 4',
      `StreamMaxLength ${setup.streamMaxLength ?? '50M'}`,
      'ScanMail yes',
      'ScanArchive yes',
      // our unsigned test databases are loaded only when this stays "no"
      'OfficialDatabaseOnly no',
      'SelfCheck 0',
      'Bytecode no',
      '',
    ].join('\n'),
  );
  let daemon: Daemon | undefined;
  let removed = false;
  const start = async (): Promise<void> => {
    // the folder goes with the first daemon's clean-up; a restarted one only stops
    daemon = startDaemon(t, CLAMD, ['--config-file', configFile], removed ? { remove: () => {} } : dir);
    removed = true;
    await waitForPong(host, port, daemon, join(dir.path, 'clamd.log'));
  };
  await start();
  return {
    host,
    port,
    address: `${host}:${port}`,
    socketPath,
    start,
    stop: async () => {
      await daemon?.stop();
    },
  };
}

function writeDatabase(dbDir: string): void {
  mkdirSync(dbDir, { recursive: true });
  const md5 = createHash('md5').update(EICAR).digest('hex');
  writeFileSync(join(dbDir, 'test.hdb'), `${md5}:${EICAR.length}:Test.EICAR.HDB\n`);
  const hex = (s: string) => Buffer.from(s).toString('hex');
  writeFileSync(join(dbDir, 'test.ndb'), `Test.EICAR.NDB:0:*:${hex(EICAR)}\nTest.Postern.Marker:0:*:${hex(VIRUS_MARKER)}\n`);
}

async function waitForPong(host: string, port: number, daemon: Daemon, logFile: string): Promise<void> {
  const said = () => `${daemon.stderr()}${existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (daemon.exited()) throw new Error(`clamd exited while starting:\n${said()}`);
    if (await pong(host, port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`clamd did not answer PING within 30 s:\n${said()}`);
}

function pong(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = net.connect({ host, port });
    let reply = '';
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('connect', () => socket.write('zPING\0'));
    socket.on('data', (d) => (reply += d.toString()));
    socket.on('error', () => done(false));
    socket.on('close', () => done(reply.startsWith('PONG')));
  });
}
