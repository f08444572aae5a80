// Splits an RFC 1035 §5 master file into entries: one per logical line, with parentheses
// joining physical lines, comments dropped and quoted strings kept as single tokens.
// Tokens are slices of the source (escapes kept as written), so a large zone costs no
// string building beyond one slice per token.

export interface ZoneToken {
  /** The token as written, backslash escapes not decoded; without the quotes if quoted. */
  value: string;
  quoted: boolean;
  line: number;
}

export interface ZoneEntry {
  tokens: ZoneToken[];
  /** Line of the first token. */
  line: number;
  /** The line began with white space: the record repeats the previous owner name. */
  ownerOmitted: boolean;
}

export class ZoneSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'ZoneSyntaxError';
  }
}

const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const QUOTE = 34;
const SEMICOLON = 59;
const OPEN = 40;
const CLOSE = 41;
const BACKSLASH = 92;

function endsUnquotedToken(c: number): boolean {
  return c === SPACE || c === TAB || c === CR || c === LF || c === SEMICOLON || c === OPEN || c === CLOSE || c === QUOTE;
}

export class ZoneTokenizer {
  private pos: number;
  private line = 1;

  constructor(private readonly text: string) {
    // Editors on Windows may start the file with a byte-order mark; it is not part of the first owner.
    this.pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  /** The next entry, or undefined at the end. After a ZoneSyntaxError the tokenizer has
   *  skipped the rest of the bad physical line, so calling next() again resumes there. */
  next(): ZoneEntry | undefined {
    const text = this.text;
    const length = text.length;
    let tokens: ZoneToken[] = [];
    let entryLine = this.line;
    let ownerOmitted = false;
    let depth = 0;
    let openLine = 0;
    let atLineStart = true;

    while (this.pos < length) {
      const c = text.charCodeAt(this.pos);
      if (atLineStart && depth === 0 && tokens.length === 0) {
        ownerOmitted = c === SPACE || c === TAB;
        atLineStart = false;
      }
      if (c === LF) {
        this.pos++;
        this.line++;
        atLineStart = true;
        if (depth === 0 && tokens.length > 0) return { tokens, line: entryLine, ownerOmitted };
        continue;
      }
      if (c === SPACE || c === TAB || c === CR) {
        this.pos++;
        continue;
      }
      if (c === SEMICOLON) {
        const eol = text.indexOf('\n', this.pos);
        this.pos = eol === -1 ? length : eol;
        continue;
      }
      if (c === OPEN) {
        if (depth === 0) openLine = this.line;
        depth++;
        this.pos++;
        continue;
      }
      if (c === CLOSE) {
        if (depth === 0) this.fail('")" without a matching "("');
        depth--;
        this.pos++;
        continue;
      }
      if (tokens.length === 0) entryLine = this.line;
      tokens.push(c === QUOTE ? this.quoted() : this.unquoted());
    }
    if (depth > 0) throw new ZoneSyntaxError('"(" is never closed', openLine);
    return tokens.length > 0 ? { tokens, line: entryLine, ownerOmitted } : undefined;
  }

  private quoted(): ZoneToken {
    const text = this.text;
    const start = this.pos + 1;
    let i = start;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        this.pos = i + 1;
        return { value: text.slice(start, i), quoted: true, line: this.line };
      }
      if (c === LF) break;
      i += c === BACKSLASH && text.charCodeAt(i + 1) !== LF ? 2 : 1;
    }
    this.pos = i;
    this.fail('quoted string is not closed on its line');
  }

  private unquoted(): ZoneToken {
    const text = this.text;
    const start = this.pos;
    let i = start;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === BACKSLASH && i + 1 < text.length && text.charCodeAt(i + 1) !== LF) {
        i += 2;
        continue;
      }
      if (endsUnquotedToken(c)) break;
      i++;
    }
    this.pos = i;
    return { value: text.slice(start, i), quoted: false, line: this.line };
  }

  /** Reports an error on the current line and skips past it, so the next entry starts clean. */
  private fail(message: string): never {
    const line = this.line;
    const eol = this.text.indexOf('\n', this.pos);
    this.pos = eol === -1 ? this.text.length : eol + 1;
    this.line = line + 1;
    throw new ZoneSyntaxError(message, line);
  }
}
