// Content inspection's cost: messages/second Postern accepts (the 250 after end of data, which
// waits for the inspection) for 100 KB messages with a 60 KB attachment, with content.scanning
// off, on (the built-in MIME walk, type detection and rules), and on with a ClamAV daemon, in the
// same run. Goal: built-in inspection at most 2x slower than scanning off.
// Usage: node --import tsx bench/content.ts [--messages 600] [--warmup 100] [--sessions 8] [--variants off,on,clamd] (--help)
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runBench } from './lib/bench-main.ts';
import { wholeNumber } from './lib/options.ts';
import { launchPostern } from './lib/postern-launch.ts';
import { treeCpuSeconds } from './lib/proc-stats.ts';
import { startSink } from './lib/smtp-sink.ts';
import { runLoad } from './lib/smtp-load.ts';
import { formatTable } from './lib/table.ts';
import { startClamd } from '../test/helpers/clamd.ts';
import { freePort } from '../test/helpers/postern-process.ts';

const RECIPIENT = 'user@remote.test';
const VARIANTS = ['off', 'on', 'clamd'];
/** Messages sent before the measured ones by default, so Node's JIT and the caches are warm. */
const WARM_UP = 100;

const HELP = `Usage: node --import tsx bench/content.ts [options]   (or: npm run bench:content -- [options])

Starts Postern (postern start) once per variant and sends it 100 KB messages (a text part and a
60 KB PDF attachment, base64) from a Node load generator on 127.0.0.1; Postern relays them to a
sink. Prints messages/second accepted and the slowdown against scanning off.
Variants: off (content.scanning: false), on (the built-in inspection, default rules),
clamd (the built-in inspection and a ClamAV daemon started for the run; needs clamav-daemon).
Needs the Debian package postfix for smtp-source (the start-up probe).

  --messages N      measured messages per variant (default 600)
  --warmup N        messages sent first, not measured (default ${WARM_UP})
  --sessions N      parallel SMTP sessions (default 8)
  --variants LIST   some of ${VARIANTS.join(', ')} (default: all)
`;

interface Options {
  messages: number;
  warmup: number;
  sessions: number;
  variants: string[];
}

function readOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: { messages: { type: 'string', default: '600' }, warmup: { type: 'string', default: String(WARM_UP) }, sessions: { type: 'string', default: '8' }, variants: { type: 'string', default: VARIANTS.join(',') }, help: { type: 'boolean', default: false } },
  });
  if (values.help) return undefined;
  const variants = values.variants.split(',').map((v) => v.trim());
  if (variants.length === 0 || variants.some((v) => !VARIANTS.includes(v))) throw new Error(`--variants: expected some of ${VARIANTS.join(', ')}, got "${values.variants}"`);
  return { messages: wholeNumber('messages', values.messages, 1), warmup: wholeNumber('warmup', values.warmup, 0), sessions: wholeNumber('sessions', values.sessions, 1), variants };
}

/** About 100 KB: a 17 KB text part and a 60 KB PDF attachment (80 KB in base64). */
function benchMessage(): { headers: string; body: Buffer } {
  const boundary = 'bench-boundary-7f3a';
  const text = 'The quarterly figures are attached; the summary follows in this text.\r\n'.repeat(240);
  const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(60 * 1024 - 9)]);
  const base64 = (pdf.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
  const body = [
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    text,
    `--${boundary}`,
    'Content-Type: application/pdf',
    'Content-Disposition: attachment; filename="figures.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    base64,
    `--${boundary}--`,
    '',
  ].join('\r\n');
  return { headers: `MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${boundary}"\r\n`, body: Buffer.from(body, 'latin1') };
}

function contentSettings(variant: string, clamdAddress: string | undefined): string {
  if (variant === 'off') return 'content: { scanning: false }';
  if (variant === 'on') return 'content: { scanning: true }';
  return `content: { scanning: true, clamav: { address: "${clamdAddress}" } }`;
}

interface Measured {
  rate: number;
  /** Postern's CPU (its process tree, not clamd's) per measured message, in ms: steadier than msg/s on a busy machine. */
  cpuMs: number;
}

async function measure(variant: string, options: Options, dir: string, sinkPort: number, clamdAddress: string | undefined): Promise<Measured> {
  const home = join(dir, variant);
  mkdirSync(home, { recursive: true });
  const port = await freePort();
  const nobodyListens = await freePort();
  const config = join(home, 'postern.yaml');
  writeFileSync(
    config,
    `hostname: bench-postern.example.test
dataDir: ${join(home, 'var')}
log: { level: warn, format: json }
smtp:
  listeners: [ { address: 127.0.0.1, port: ${port}, role: mta } ]
relay: { networks: [ 127.0.0.0/8 ] }
routes:
  remote.test: { type: smtp, host: 127.0.0.1, port: ${sinkPort} }
resolver: { servers: [ "127.0.0.1:${nobodyListens}" ], timeout: 1s, attempts: 1 }
${contentSettings(variant, clamdAddress)}
`,
  );
  const server = await launchPostern({ home, port, maxLifetimeMs: 900_000 }, config, RECIPIENT);
  try {
    const content = benchMessage();
    const load = { sessions: options.sessions, size: 0, perConnection: 100, to: RECIPIENT, content };
    if (options.warmup > 0) await runLoad(port, { ...load, messages: options.warmup, firstId: 1 });
    const cpuBefore = treeCpuSeconds(server.pid);
    const run = await runLoad(port, { ...load, messages: options.messages, firstId: 1 + options.warmup });
    const cpuMs = ((treeCpuSeconds(server.pid) - cpuBefore) * 1000) / options.messages;
    return { rate: options.messages / ((run.finishedAt - run.startedAt) / 1000), cpuMs };
  } finally {
    await server.stop();
  }
}

async function run(options: Options, dir: string): Promise<number> {
  const sink = await startSink();
  const cleanups: Array<() => unknown> = [];
  try {
    const clamd = options.variants.includes('clamd') ? await startClamd({ after: (fn) => cleanups.push(fn) }) : undefined;
    const results = new Map<string, Measured>();
    for (const variant of options.variants) results.set(variant, await measure(variant, options, dir, sink.port, clamd?.address));
    const off = results.get('off');
    const right = (header: string) => ({ header, align: 'right' as const });
    console.log(
      formatTable(
        [{ header: 'content.scanning', align: 'left' }, right('messages'), right('sessions'), right('msg/s'), right('x slower than off'), right('CPU ms/msg'), right('x CPU of off')],
        [...results].map(([variant, m]) => [
          variant,
          String(options.messages),
          String(options.sessions),
          m.rate.toFixed(1),
          off ? (off.rate / m.rate).toFixed(2) : '-',
          m.cpuMs.toFixed(2),
          off ? (m.cpuMs / off.cpuMs).toFixed(2) : '-',
        ]),
      ),
    );
    console.log('msg/s: measured messages / time from the first connection to the last 250 (end of data, after the inspection). CPU: Postern\'s process tree only (clamd is not in it). Goal: "on" at most 2.00x slower than "off".');
    return 0;
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
    sink.stop();
  }
}

await runBench({ name: 'bench/content', help: HELP, readOptions, run });
