// Runs a benchmark script as its own process, as `npm run bench:…` does, for the tests that check
// that a benchmark works end to end.
import { spawn } from 'node:child_process';

export interface ScriptRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runBenchScript(path: string, args: string[]): Promise<ScriptRun> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('close', (status) => done({ status, stdout, stderr }));
  });
}
