import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './errors.ts';
import { buildSchema, type Config } from './schema.ts';

/** The bundled configuration, used when neither --config nor POSTERN_CONFIG names one. */
export const BUNDLED_CONFIG = resolve(import.meta.dirname, '../../config/postern.yaml');

export function configFileFrom(cliValue: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(cliValue ?? env.POSTERN_CONFIG ?? BUNDLED_CONFIG);
}

/** Reads, parses and validates the configuration file; throws ConfigError listing every problem. */
export function loadConfig(file: string): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read the file: ${(err as Error).message}`]);
  }
  return parseConfig(text, file);
}

export function parseConfig(text: string, file: string): Config {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => `line ${lines.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`),
    );
  }
  const data: unknown = doc.toJS() ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) throw new ConfigError(file, ['the file must hold a mapping of keys (hostname:, dns:, ...)']);
  const schema = buildSchema(dirname(file));
  const result = schema.safeParse(data);
  if (!result.success) throw new ConfigError(file, result.error.issues.flatMap((issue) => describeIssue(schema, issue)));
  return { ...result.data, configFile: file };
}

function describeIssue(schema: z.ZodType, issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    const allowed = keysAt(schema, issue.path) ?? [];
    return issue.keys.map((key) => {
      const near = closest(key, allowed);
      const hint = near ? `did you mean "${near}"?` : `known keys here: ${allowed.join(', ')}`;
      return `${formatPath([...issue.path, key])}: unknown key; ${hint}`;
    });
  }
  return [`${formatPath(issue.path)}: ${issue.message}`];
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? String(seg) : `.${String(seg)}`;
  return out === '' ? '(top level)' : out;
}

interface SchemaDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
}

const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: SchemaDef } })._zod.def;

function unwrap(s: z.ZodType): z.ZodType {
  for (;;) {
    const def = defOf(s);
    const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (!inner) return s;
    s = inner;
  }
}

/** The keys an object at this path of the schema accepts, for "did you mean" hints. */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let s: z.ZodType | undefined = unwrap(schema);
  for (const seg of path) {
    const def = defOf(s);
    s = typeof seg === 'number' ? def.element : def.shape?.[String(seg)];
    if (!s) return undefined;
    s = unwrap(s);
  }
  const shape = defOf(s).shape;
  return shape ? Object.keys(shape) : undefined;
}

function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}
