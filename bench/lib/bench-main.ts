// What every benchmark script does around its measurement: read the options (or print the help),
// work in a temporary folder that is removed afterwards (also on Ctrl-C), and set the exit code.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onAbort } from './cleanup.ts';

export interface BenchScript<O> {
  /** e.g. "bench/dns-auth", for the failure message. */
  name: string;
  help: string;
  /** The options, or undefined when the help was asked for; throws on a bad option. */
  readOptions(argv: string[]): O | undefined;
  /** Measures and prints; stops whatever it started before it returns. */
  run(options: O, dir: string): Promise<number>;
}

async function main<O>(script: BenchScript<O>): Promise<number> {
  let options: O | undefined;
  try {
    options = script.readOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${script.help}`);
    return 2;
  }
  if (!options) {
    process.stdout.write(script.help);
    return 0;
  }
  const dir = mkdtempSync(join(tmpdir(), `postern-${script.name.replace(/\W+/g, '-')}-`));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const forgetDir = onAbort(removeDir);
  try {
    return await script.run(options, dir);
  } finally {
    removeDir();
    forgetDir();
  }
}

export async function runBench<O>(script: BenchScript<O>): Promise<void> {
  try {
    process.exitCode = await main(script);
  } catch (err) {
    process.stderr.write(`${script.name} failed: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
