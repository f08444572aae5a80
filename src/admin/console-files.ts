// The web console's files, built by scripts/build-console.ts into dist/console and read once at
// start. Only the files found there are served, by exact name: no path from a request ever
// reaches the file system.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';

export const CONSOLE_DIR = resolve(import.meta.dirname, '../../dist/console');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

export interface ConsoleFile {
  body: Buffer;
  type: string;
}

/** name → file; empty when the console has not been built. */
export function loadConsoleFiles(dir = CONSOLE_DIR): Map<string, ConsoleFile> {
  const files = new Map<string, ConsoleFile>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type) files.set(name, { body: readFileSync(join(dir, name)), type });
  }
  return files;
}
