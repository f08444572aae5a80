// The structure of a message, line by line: header blocks, bodies, multipart boundaries and
// message/rfc822 parts whose body starts with headers of its own. Only as much MIME as the 8-bit
// downgrade needs, in the spirit of Postfix's mime_state.c: one pass, no lookahead, and
// malformed input never makes it stop (a line that is no header ends a header block).

/** Deeper nesting than this is refused, as Postfix's mime_nesting_limit does. */
export const MAX_DEPTH = 20;

export interface Entity {
  /** Numbered in order of appearance: the message itself is 0. Equal for equal input. */
  ordinal: number;
  /** Lower-case "type/subtype", from Content-Type or the default where it is missing. */
  type: string;
  hasContentType: boolean;
  /** Lower-case Content-Transfer-Encoding, or undefined when there is none. */
  encoding: string | undefined;
  /** The message's own header block (not a part's, not an attached message's). */
  primary: boolean;
  hasMimeVersion: boolean;
  depth: number;
}

/** What a body line belongs to: a leaf's content, a message/* body other than rfc822, or a multipart preamble or epilogue. */
export type BodyKind = 'leaf' | 'message' | 'structure';

export interface MimeVisitor {
  /** A header block is complete: its fields (each with its continuation lines) and whether a blank line ended it. */
  headers(entity: Entity, fields: string[][], blankLine: boolean): void;
  body(entity: Entity, kind: BodyKind, line: string): void;
  boundary(line: string): void;
  /** Nesting past MAX_DEPTH. */
  tooDeep(): void;
}

interface Level {
  boundary: string;
  defaultType: string;
  entity: Entity;
}

const HEADER = /^[\x21-\x39\x3b-\x7e]+[ \t]*:/;

export class MimeWalker {
  private inHeaders = true;
  private fields: string[][] = [];
  private entity: Entity;
  private bodyKind: BodyKind = 'leaf';
  private readonly stack: Level[] = [];
  private ordinals = 0;

  constructor(private readonly visitor: MimeVisitor) {
    this.entity = this.newEntity('text/plain', true, 0);
  }

  /** One line (latin1, without CRLF). */
  line(line: string): void {
    if (this.inHeaders) {
      if (line.length > 0 && (line[0] === ' ' || line[0] === '\t') && this.fields.length > 0) {
        this.fields[this.fields.length - 1]!.push(line);
        return;
      }
      if (HEADER.test(line)) {
        this.fields.push([line]);
        return;
      }
      this.endHeaders(line === '');
      if (line === '') return;
    }
    if (this.stack.length > 0 && line.startsWith('--') && this.boundaryLine(line)) return;
    this.visitor.body(this.entity, this.bodyKind, line);
  }

  /** The end of the message (a header block without a body still counts). */
  end(): void {
    if (this.inHeaders && (this.fields.length > 0 || this.entity.ordinal === 0)) this.endHeaders(false);
  }

  private newEntity(defaultType: string, primary: boolean, depth: number): Entity {
    return { ordinal: this.ordinals++, type: defaultType, hasContentType: false, encoding: undefined, primary, hasMimeVersion: false, depth };
  }

  private endHeaders(blankLine: boolean): void {
    const entity = this.entity;
    let boundary: string | undefined;
    for (const field of this.fields) {
      const [name = '', ...rest] = field.join('').split(':');
      const value = rest.join(':').trim();
      switch (name.trim().toLowerCase()) {
        case 'content-type': {
          if (entity.hasContentType) break;
          const m = /^([^\s;/]+)\s*\/\s*([^\s;]+)/.exec(value);
          if (!m) break;
          entity.hasContentType = true;
          entity.type = `${m[1]}/${m[2]}`.toLowerCase();
          const b = /;\s*boundary\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]+))/i.exec(value);
          boundary = b ? (b[1] ?? b[2]) : undefined;
          break;
        }
        case 'content-transfer-encoding':
          entity.encoding ??= value.toLowerCase();
          break;
        case 'mime-version':
          entity.hasMimeVersion = true;
          break;
      }
    }
    this.visitor.headers(entity, this.fields, blankLine);
    this.fields = [];
    this.inHeaders = false;
    const major = entity.type.split('/')[0];
    if (major === 'multipart' && boundary) {
      if (entity.depth >= MAX_DEPTH) {
        this.visitor.tooDeep();
      } else {
        this.stack.push({ boundary, defaultType: entity.type === 'multipart/digest' ? 'message/rfc822' : 'text/plain', entity });
      }
      this.bodyKind = 'structure';
    } else if (entity.type === 'message/rfc822' && blankLine) {
      if (entity.depth >= MAX_DEPTH) {
        this.visitor.tooDeep();
        this.bodyKind = 'message';
      } else {
        this.inHeaders = true;
        this.entity = this.newEntity('text/plain', false, entity.depth + 1);
      }
    } else {
      this.bodyKind = major === 'message' || major === 'multipart' ? 'message' : 'leaf';
    }
  }

  private boundaryLine(line: string): boolean {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const level = this.stack[i]!;
      if (!line.startsWith(level.boundary, 2)) continue;
      this.stack.length = i + 1;
      this.visitor.boundary(line);
      if (line.startsWith('--', 2 + level.boundary.length)) {
        this.stack.pop();
        this.entity = level.entity;
        this.bodyKind = 'structure';
      } else {
        this.inHeaders = true;
        this.entity = this.newEntity(level.defaultType, false, level.entity.depth + 1);
      }
      return true;
    }
    return false;
  }
}
