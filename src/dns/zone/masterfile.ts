// RFC 1035 §5 master files as BIND reads them: $ORIGIN, $TTL, $INCLUDE, $GENERATE, owner/TTL/class
// defaulting, TTL and class in either order, and every RDATA form the codec knows (including
// RFC 3597 "\#"). Errors are collected with file:line, up to a cap, so an admin sees them all.

import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { RClass, type ResourceRecord } from '../wire/model.ts';
import { nameFromText } from '../wire/names.ts';
import { classFromText, classToText, RRType, typeFromText, typeToText } from '../wire/rrtypes.ts';
import { rdataFromText, RdataTextError } from '../wire/text.ts';
import { parseGenerateRange, substitute, type GenerateRange } from './generate.ts';
import { ZoneFileError, type ZoneProblem } from './problems.ts';
import { ZoneSyntaxError, ZoneTokenizer, type ZoneEntry, type ZoneToken } from './tokenizer.ts';
import { MAX_TTL, parseTtl } from './ttl.ts';

export interface MasterFileOptions {
  /** The zone origin in model form (absolute, no trailing dot). */
  origin: string;
  /** Used as if the file began with "$TTL defaultTtl". */
  defaultTtl?: number;
  /** The zone's class; records of another class are errors. IN unless given. */
  zoneClass?: number;
  /** Stop after this many errors. */
  maxErrors?: number;
  /** How deep $INCLUDE may nest. */
  maxIncludeDepth?: number;
}

/** A record and where it was written. */
export interface SourcedRecord {
  record: ResourceRecord;
  file: string;
  line: number;
}

export interface ParsedMasterFile {
  records: SourcedRecord[];
  problems: ZoneProblem[];
}

const DEFAULT_MAX_ERRORS = 100;
const DEFAULT_MAX_INCLUDE_DEPTH = 10;
/** OPT and the query-only types (RFC 6895 §3.1: 128-255) have no place in a zone. */
const FIRST_META_TYPE = 128;
const LAST_META_TYPE = 255;

/** Stops the whole parse once the error cap is reached. */
class TooManyErrors extends Error {}

/** State that runs through the file and everything it includes. */
interface LoadState {
  readonly zoneClass: number;
  readonly maxErrors: number;
  readonly maxIncludeDepth: number;
  records: SourcedRecord[];
  problems: ZoneProblem[];
  errors: number;
  /** From $TTL, the caller's default, or the SOA minimum when the SOA came first without a TTL. */
  defaultTtl: number | undefined;
  /** The previous record's TTL, the fallback when there is no default (BIND's RFC 1035 behaviour). */
  lastTtl: number | undefined;
  /** BIND says once per zone that it fell back to the previous record's TTL. */
  warnedPreviousTtl: boolean;
  /** Real paths of the files being read, outermost first, to refuse include loops. */
  includeStack: string[];
}

/** State that belongs to one file: an $INCLUDE starts with the includer's origin (or its own) and
 *  owner, and neither leaks back out, as in BIND. */
interface FileContext {
  file: string;
  origin: string;
  owner: string | undefined;
  /** Line of an owner name that could not be read, so the lines that repeat it say so. */
  badOwnerLine: number | undefined;
  /** $ORIGIN came after the last record: a record that repeats the owner then is likely a mistake. */
  originJustChanged: boolean;
  depth: number;
}

/** Parses the master file at `file`; $INCLUDE paths are taken relative to its directory. */
export async function parseMasterFile(file: string, opts: MasterFileOptions): Promise<ParsedMasterFile> {
  const state = newState(opts);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
    state.includeStack.push(await realpath(file));
  } catch (err) {
    state.problems.push({ severity: 'error', file, name: opts.origin, message: `cannot read the zone file: ${reason(err)}` });
    return { records: state.records, problems: state.problems };
  }
  return runParse(state, text, file, opts.origin);
}

/** Parses master file text that is said to come from `file` (for messages and relative $INCLUDEs). */
export async function parseMasterText(text: string, file: string, opts: MasterFileOptions): Promise<ParsedMasterFile> {
  return runParse(newState(opts), text, file, opts.origin);
}

function newState(opts: MasterFileOptions): LoadState {
  return {
    zoneClass: opts.zoneClass ?? RClass.IN,
    maxErrors: opts.maxErrors ?? DEFAULT_MAX_ERRORS,
    maxIncludeDepth: opts.maxIncludeDepth ?? DEFAULT_MAX_INCLUDE_DEPTH,
    records: [],
    problems: [],
    errors: 0,
    defaultTtl: opts.defaultTtl,
    lastTtl: undefined,
    warnedPreviousTtl: false,
    includeStack: [],
  };
}

async function runParse(state: LoadState, text: string, file: string, origin: string): Promise<ParsedMasterFile> {
  try {
    await parseText(state, text, { file, origin, owner: undefined, badOwnerLine: undefined, originJustChanged: false, depth: 0 });
  } catch (err) {
    if (!(err instanceof TooManyErrors)) throw err;
  }
  return { records: state.records, problems: state.problems };
}

async function parseText(state: LoadState, text: string, ctx: FileContext): Promise<void> {
  const tokenizer = new ZoneTokenizer(text);
  for (;;) {
    let entry: ZoneEntry | undefined;
    try {
      entry = tokenizer.next();
    } catch (err) {
      if (!(err instanceof ZoneSyntaxError)) throw err;
      report(state, ctx.origin, new ZoneFileError(err.message, ctx.file, err.line));
      continue;
    }
    if (entry === undefined) return;
    try {
      const first = entry.tokens[0];
      if (!entry.ownerOmitted && !first.quoted && first.value.startsWith('$')) {
        await directive(state, ctx, entry);
      } else {
        state.records.push({ record: record(state, ctx, entry), file: ctx.file, line: entry.line });
      }
    } catch (err) {
      if (!(err instanceof ZoneFileError)) throw err;
      report(state, ctx.owner ?? ctx.origin, err);
    }
  }
}

function report(state: LoadState, name: string, err: ZoneFileError): void {
  state.problems.push({ severity: 'error', file: err.file, line: err.line, name, message: err.detail });
  state.errors++;
  if (state.errors >= state.maxErrors) {
    state.problems.push({
      severity: 'error',
      file: err.file,
      line: err.line,
      name,
      message: `too many errors (${state.maxErrors}); stopped reading`,
    });
    throw new TooManyErrors();
  }
}

function warn(state: LoadState, ctx: FileContext, line: number, name: string, message: string): void {
  state.problems.push({ severity: 'warning', file: ctx.file, line, name, message });
}

function domainName(ctx: FileContext, token: ZoneToken, what: string): string {
  if (token.quoted) throw new ZoneFileError(`${what}: expected a domain name, got a quoted string "${token.value}"`, ctx.file, token.line);
  try {
    return nameFromText(token.value, ctx.origin);
  } catch (err) {
    throw new ZoneFileError(`${what}: bad domain name "${token.value}": ${reason(err)}`, ctx.file, token.line);
  }
}

/** The entry's owner name: its first token, or the previous record's when the line starts blank. */
function ownerOf(state: LoadState, ctx: FileContext, entry: ZoneEntry): string {
  const originJustChanged = ctx.originJustChanged;
  ctx.originJustChanged = false;
  if (entry.ownerOmitted) {
    if (ctx.owner !== undefined) {
      if (originJustChanged) {
        warn(state, ctx, entry.line, ctx.owner, `record with inherited owner (${ctx.owner}) immediately after $ORIGIN (${ctx.origin || '.'})`);
      }
      return ctx.owner;
    }
    const problem = ctx.badOwnerLine === undefined ? 'no record precedes it' : `the owner name on line ${ctx.badOwnerLine} is bad`;
    throw new ZoneFileError(`no owner name: the line starts with white space but ${problem}`, ctx.file, entry.line);
  }
  ctx.owner = undefined;
  ctx.badOwnerLine = entry.line;
  ctx.owner = domainName(ctx, entry.tokens[0], 'owner');
  ctx.badOwnerLine = undefined;
  return ctx.owner;
}

function record(state: LoadState, ctx: FileContext, entry: ZoneEntry): ResourceRecord {
  const tokens = entry.tokens;
  const owner = ownerOf(state, ctx, entry);
  let i = entry.ownerOmitted ? 0 : 1;

  let ttl: number | undefined;
  let rclass: number | undefined;
  for (; i < tokens.length && !tokens[i].quoted; i++) {
    const value = tokens[i].value;
    if (ttl === undefined && isDigit(value.charCodeAt(0))) {
      ttl = parseTtl(value);
      if (ttl === undefined) throw new ZoneFileError(`bad TTL "${value}"`, ctx.file, tokens[i].line);
      continue;
    }
    if (rclass === undefined) {
      rclass = classFromText(value);
      if (rclass !== undefined) continue;
    }
    break;
  }
  if (i >= tokens.length) throw new ZoneFileError('expected a record type, got the end of the line', ctx.file, entry.line);
  const typeToken = tokens[i];
  const type = typeOf(ctx, typeToken);

  if (rclass !== undefined && rclass !== state.zoneClass) {
    throw new ZoneFileError(
      `class ${classToText(rclass)} differs from the zone's class ${classToText(state.zoneClass)}`,
      ctx.file,
      entry.line,
    );
  }

  let data: ResourceRecord['data'];
  try {
    data = rdataFromText(type, tokens.slice(i + 1), ctx.origin);
  } catch (err) {
    // The codec's messages already name the type and field.
    const message = err instanceof RdataTextError ? err.message : `${typeToText(type)}: ${reason(err)}`;
    throw new ZoneFileError(message, ctx.file, entry.line);
  }

  return { name: owner, type, class: state.zoneClass, ttl: recordTtl(state, ctx, entry.line, owner, type, data, ttl), data };
}

/** BIND's order: explicit TTL, then the default ($TTL), then the previous record's TTL, then (SOA
 *  only) the SOA minimum, which then also becomes the default. */
function recordTtl(
  state: LoadState,
  ctx: FileContext,
  line: number,
  owner: string,
  type: number,
  data: ResourceRecord['data'],
  explicit: number | undefined,
): number {
  let ttl = explicit ?? state.defaultTtl;
  if (ttl === undefined && state.lastTtl !== undefined) {
    ttl = state.lastTtl;
    if (!state.warnedPreviousTtl) warn(state, ctx, line, owner, `no TTL given and no $TTL: using the previous record's TTL (${ttl}), as RFC 1035 says`);
    state.warnedPreviousTtl = true;
  }
  if (ttl === undefined) {
    if (type !== RRType.SOA) throw new ZoneFileError('no TTL given and no $TTL before this record', ctx.file, line);
    ttl = Number(data.minimum);
    state.defaultTtl = ttl;
    warn(state, ctx, line, owner, `no TTL given and no $TTL: using the SOA minimum (${ttl})`);
  }
  if (ttl > MAX_TTL) {
    warn(state, ctx, line, owner, `TTL ${ttl} is above 2^31-1: using 0 (RFC 2181)`);
    ttl = 0;
  }
  state.lastTtl = ttl;
  return ttl;
}

function typeOf(ctx: FileContext, token: ZoneToken): number {
  if (token.quoted) throw new ZoneFileError(`expected a record type, got a quoted string "${token.value}"`, ctx.file, token.line);
  const type = typeFromText(token.value);
  if (type === undefined) throw new ZoneFileError(`unknown record type "${token.value}"`, ctx.file, token.line);
  if (type === RRType.OPT || (type >= FIRST_META_TYPE && type <= LAST_META_TYPE)) {
    throw new ZoneFileError(`${typeToText(type)} is a meta type and cannot appear in a zone file`, ctx.file, token.line);
  }
  return type;
}

async function directive(state: LoadState, ctx: FileContext, entry: ZoneEntry): Promise<void> {
  const [keyword, ...args] = entry.tokens;
  const name = keyword.value.toUpperCase();
  const fail = (message: string): never => {
    throw new ZoneFileError(message, ctx.file, entry.line);
  };
  switch (name) {
    case '$ORIGIN':
      if (args.length !== 1) fail(`$ORIGIN takes one domain name, got ${args.length} arguments`);
      ctx.origin = domainName(ctx, args[0], '$ORIGIN');
      ctx.originJustChanged = true;
      return;
    case '$TTL': {
      if (args.length !== 1) fail(`$TTL takes one TTL, got ${args.length} arguments`);
      const ttl = args[0].quoted ? undefined : parseTtl(args[0].value);
      if (ttl === undefined) return fail(`$TTL: bad TTL "${args[0].value}"`);
      if (ttl > MAX_TTL) warn(state, ctx, entry.line, ctx.origin, `$TTL ${ttl} is above 2^31-1: using 0 (RFC 2181)`);
      state.defaultTtl = ttl > MAX_TTL ? 0 : ttl;
      return;
    }
    case '$GENERATE':
      if (args.length < 3) fail(`$GENERATE takes a range, an owner, a type and RDATA, got ${args.length} arguments`);
      generate(state, ctx, entry, args);
      return;
    case '$INCLUDE':
      if (args.length < 1 || args.length > 2) fail(`$INCLUDE takes a file name and an optional origin, got ${args.length} arguments`);
      await include(state, ctx, entry, args[0], args[1]);
      return;
    default:
      fail(`unknown directive ${keyword.value}`);
  }
}

/** One record per iterator value; the first bad one stops the directive, as one error. */
function generate(state: LoadState, ctx: FileContext, entry: ZoneEntry, args: ZoneToken[]): void {
  const [rangeToken, ...templates] = args;
  const fail = (message: string): never => {
    throw new ZoneFileError(`$GENERATE: ${message}`, ctx.file, entry.line);
  };
  let range: GenerateRange;
  try {
    range = parseGenerateRange(rangeToken.value);
  } catch (err) {
    return fail(reason(err));
  }
  const { owner, badOwnerLine } = ctx;
  try {
    for (let value = range.start; value <= range.stop; value += range.step) {
      let tokens: ZoneToken[];
      try {
        tokens = templates.flatMap((t) => generatedTokens(t, value));
      } catch (err) {
        return fail(reason(err));
      }
      try {
        const generated = { tokens, line: entry.line, ownerOmitted: false };
        state.records.push({ record: record(state, ctx, generated), file: ctx.file, line: entry.line });
      } catch (err) {
        if (!(err instanceof ZoneFileError)) throw err;
        fail(`for ${value}: ${err.detail}`);
      }
    }
  } finally {
    // The generated owners are the directive's own; the lines after it continue the previous one.
    ctx.owner = owner;
    ctx.badOwnerLine = badOwnerLine;
  }
}

/** BIND reads a quoted template again after substitution, so "a $" becomes two strings. */
function generatedTokens(template: ZoneToken, value: number): ZoneToken[] {
  const text = substitute(template.value, value);
  if (!template.quoted) return [{ ...template, value: text }];
  const tokens = new ZoneTokenizer(text).next()?.tokens ?? [];
  return tokens.map((t) => ({ ...t, line: template.line }));
}

async function include(state: LoadState, ctx: FileContext, entry: ZoneEntry, fileToken: ZoneToken, originToken: ZoneToken | undefined): Promise<void> {
  const fail = (message: string): never => {
    throw new ZoneFileError(message, ctx.file, entry.line);
  };
  const origin = originToken === undefined ? ctx.origin : domainName(ctx, originToken, '$INCLUDE origin');
  if (ctx.depth + 1 > state.maxIncludeDepth) fail(`$INCLUDE nested deeper than ${state.maxIncludeDepth} files`);
  const file = path.resolve(path.dirname(ctx.file), fileToken.value);
  let real: string;
  try {
    real = await realpath(file);
  } catch (err) {
    return fail(`$INCLUDE ${fileToken.value}: cannot read: ${reason(err)}`);
  }
  if (state.includeStack.includes(real)) fail(`$INCLUDE ${fileToken.value}: include loop (the file is already being read)`);
  let text: string;
  try {
    text = await readFile(real, 'utf8');
  } catch (err) {
    return fail(`$INCLUDE ${fileToken.value}: cannot read: ${reason(err)}`);
  }
  state.includeStack.push(real);
  try {
    await parseText(state, text, { ...ctx, file: shownPath(ctx.file, file), origin, depth: ctx.depth + 1 });
  } finally {
    state.includeStack.pop();
  }
}

/** Included files are named like their parent was: relative when the parent's name was relative. */
function shownPath(parent: string, file: string): string {
  return path.isAbsolute(parent) ? file : path.relative(process.cwd(), file);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
