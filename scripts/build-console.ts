// Builds the web console (console/) into dist/console with esbuild: one bundled, minified
// script and the page and style beside it. Run by npm ci (prepare), npm start and npm test.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');

export async function buildConsole(out = join(ROOT, 'dist', 'console')): Promise<void> {
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(ROOT, 'console', 'src', 'main.ts')],
    outfile: join(out, 'console.js'),
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    sourcemap: false,
    logLevel: 'warning',
  });
  copyFileSync(join(ROOT, 'console', 'index.html'), join(out, 'index.html'));
  copyFileSync(join(ROOT, 'console', 'console.css'), join(out, 'console.css'));
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) await buildConsole();
