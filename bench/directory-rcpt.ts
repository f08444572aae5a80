// RCPT validation against LDAP: how many recipients a second Postern's recipient check answers
// with the directory cache cold (every address asked from slapd) and warm (answered from the
// cache), for users that exist and for unknown addresses. The check runs in this process, as in
// the SMTP server, against a real slapd on 127.0.0.24 loaded with generated users.
// Usage: node --import tsx bench/directory-rcpt.ts [--users 2000] [--concurrency 16] (--help)
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config/load.ts';
import { openDirectory } from '../src/directory/directory.ts';
import { silentLogger } from '../src/log/logger.ts';
import type { RcptContext, Verdict } from '../src/policy/check.ts';
import { recipientCheck } from '../src/policy/recipient-check.ts';
import { BASE_LDIF, LDAP_SUFFIX, startSlapd } from '../test/helpers/slapd.ts';
import { runBench } from './lib/bench-main.ts';
import { wholeNumber } from './lib/options.ts';
import { formatTable } from './lib/table.ts';

const HELP = `Usage: node --import tsx bench/directory-rcpt.ts [options]   (or: npm run bench:directory-rcpt -- [options])

Starts slapd (Debian's OpenLDAP, its own instance in a temp dir on 127.0.0.24) with N generated
users, and runs Postern's recipient check (the RCPT stage of the SMTP server) against it through
an ldap backend (pool of 4 connections): first with an empty cache (cold: every address is an
LDAP search), then again for the same addresses (warm: from the cache); for existing users and
for unknown addresses. Prints RCPT validations per second and the latency of one validation.

  --users N         users in the directory, and validations per phase (default: 2000)
  --concurrency N   validations in flight at once, as from that many SMTP sessions (default: 16)
`;

interface Options {
  users: number;
  concurrency: number;
}

function readOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({ args: argv, options: { users: { type: 'string', default: '2000' }, concurrency: { type: 'string', default: '16' }, help: { type: 'boolean', default: false } } });
  if (values.help) return undefined;
  return { users: wholeNumber('users', values.users, 1), concurrency: wholeNumber('concurrency', values.concurrency, 1) };
}

function usersLdif(count: number): string {
  const entries = Array.from({ length: count }, (_, i) => `dn: uid=user${i},ou=people,${LDAP_SUFFIX}
objectClass: inetOrgPerson
objectClass: inetLocalMailRecipient
uid: user${i}
cn: user${i}
sn: user${i}
mail: user${i}@example.test
mailHost: 127.0.0.${31 + (i % 2)}
`);
  return [BASE_LDIF, ...entries].join('\n');
}

interface Phase {
  name: string;
  seconds: number;
  latenciesMs: number[];
  answers: Map<string, number>;
}

/** Validates every address with `concurrency` in flight, each as the first RCPT of its own session. */
async function validate(name: string, check: ReturnType<typeof recipientCheck>, addresses: string[], concurrency: number): Promise<Phase> {
  const latenciesMs: number[] = [];
  const answers = new Map<string, number>();
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < addresses.length) {
      const address = addresses[next++]!;
      const ctx: RcptContext = {
        client: { address: '192.0.2.1', port: 40000, listener: 'mta' },
        trusted: false,
        results: new Map(),
        sender: 'bench@remote.example',
        params: { body: '7bit', smtputf8: false, requireTls: false },
        recipient: { address },
        accepted: [],
      };
      const t0 = performance.now();
      const verdict: Verdict = await check.rcpt!(ctx);
      latenciesMs.push(performance.now() - t0);
      const answer = verdict.kind === 'continue' ? 250 : verdict.kind === 'accept' ? 250 : verdict.code;
      answers.set(String(answer), (answers.get(String(answer)) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { name, seconds: (performance.now() - started) / 1000, latenciesMs, answers: answers as Map<string, number> };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function run(options: Options, dir: string): Promise<number> {
  const cleanups: Array<() => unknown> = [];
  try {
    const slapd = await startSlapd({ after: (fn) => cleanups.push(fn) }, usersLdif(options.users), { host: '127.0.0.24' });
    const config = parseConfig(
      `domains: [ example.test ]
routes: { example.test: { type: smtp, host: 127.0.0.31 } }
directory:
  backends: [ { type: ldap, url: "${slapd.url}", base: "${LDAP_SUFFIX}" } ]
  cache: { maxEntries: ${options.users * 2} }
`,
      `${dir}/postern.yaml`,
    );
    const directory = openDirectory(config.directory, { configFile: config.configFile, logger: silentLogger() })!;
    cleanups.push(() => directory.close());
    const { harvest, expansion } = config.directory;
    const check = recipientCheck({ domains: config.domains, directory, expansion, harvest: { delayAfter: harvest.delayAfter, delayMs: harvest.delay, maxDelayMs: harvest.maxDelay, disconnectAfter: harvest.disconnectAfter } });
    const known = Array.from({ length: options.users }, (_, i) => `user${i}@example.test`);
    const unknown = Array.from({ length: options.users }, (_, i) => `nobody${i}@example.test`);
    const phases = [
      await validate('known, cold', check, known, options.concurrency),
      await validate('known, warm', check, known, options.concurrency),
      await validate('unknown, cold', check, unknown, options.concurrency),
      await validate('unknown, warm', check, unknown, options.concurrency),
    ];
    const right = (header: string) => ({ header, align: 'right' as const });
    console.log(
      formatTable(
        [{ header: 'recipients, cache', align: 'left' }, right('validations'), right('concurrency'), right('seconds'), right('RCPT/s'), right('p50 ms'), right('p99 ms'), { header: 'answers', align: 'left' }],
        phases.map((p) => {
          const sorted = [...p.latenciesMs].sort((a, b) => a - b);
          return [
            p.name,
            String(sorted.length),
            String(options.concurrency),
            p.seconds.toFixed(2),
            Math.round(sorted.length / p.seconds).toLocaleString('en-US'),
            percentile(sorted, 50).toFixed(3),
            percentile(sorted, 99).toFixed(3),
            [...p.answers].map(([code, n]) => `${n}×${code}`).join(' '),
          ];
        }),
      ),
    );
    console.log('');
    console.log(`slapd: ${options.users} users (mdb, indexed on mail and mailLocalAddress), filter (|(mail=%s)(mailLocalAddress=%s)), 4 pooled connections, anonymous service bind.`);
    console.log('cold: each address the cache has not seen (one LDAP search each); warm: the same addresses again within the TTL (no LDAP).');
    console.log('250: the check lets RCPT go on; 550: 5.1.1 User unknown. Each validation is the first RCPT of its own session (no harvest delays).');
    return 0;
  } finally {
    for (const fn of cleanups.reverse()) await fn();
  }
}

await runBench({ name: 'bench/directory-rcpt', help: HELP, readOptions, run });
