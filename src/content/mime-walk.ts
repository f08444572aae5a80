// The streaming walk over a message: every MIME part, nested messages included, decoded once,
// with bounded memory (the first bytes of a part, a bounded text, a bounded zip) and bounded
// depth. It records facts and which patterns hit; deciding what to do is the rules' job.
import { Splitter, type MimeNode } from '@zone-eu/mailsplit';
import { pipeline } from 'node:stream/promises';
import { PassThrough } from 'node:stream';
import { listZip } from './archive.ts';
import { bodyDecoder, type BodyDecoder } from './body-decoder.ts';
import { fileFacts, HEAD_BYTES, type FileFacts } from './file-facts.ts';
import { SignatureSearch } from './signature-search.ts';

/** A zip's local file header; only such parts are kept for listing. */
const ZIP_MAGIC = Buffer.from('PK\x03\x04', 'latin1');

export interface WalkLimits {
  maxDepth: number;
  /** Leaf parts, nested ones included: each costs a type detection, so a message of many tiny parts is refused. */
  maxParts: number;
  maxHeaderSize: number;
  maxArchiveSize: number;
  maxUnpackedSize: number;
  maxTextSize: number;
}

/** What the rules ask the walk to look for, so the walk keeps hits, never the text itself. */
export interface WalkProbes {
  headerPatterns: readonly RegExp[];
  textPatterns: readonly RegExp[];
  signatures: readonly Buffer[];
}

export interface PartReport extends FileFacts {
  /** The IMAP-style part number ("1.2"); "1" for the body of a single-part message. */
  part: string;
  /**
   * The part a rewrite replaces to remove this one: itself, or the attached message
   * (message/rfc822 sent as an attachment, which the rewrite keeps whole) it is inside.
   */
  removable: string;
  /** A file rather than message text: it has a name, is marked attachment, or is not text. */
  isFile: boolean;
  /** Decoded size in bytes. */
  size: number;
  /** An archive holding an encrypted entry. */
  encrypted: boolean;
  /** The files inside an archive attachment. */
  inside: FileFacts[];
  /** The uncompressed size an archive declares for its entries. */
  unpackedSize: number;
  textHits: Set<number>;
  signatureHits: Set<number>;
}

/** A message whose structure is refused, whatever the rules say: the check answers it with a reject. */
export interface StructureProblem {
  rule: 'mime-depth' | 'mime-parts' | 'mime-header-size' | 'mime-unreadable' | 'archive-bomb';
  reason: string;
}

export interface MessageReport {
  parts: PartReport[];
  headerHits: Set<number>;
  problem?: StructureProblem;
}

/** How mailsplit is to read messages, alike for the walk and the rewrite. */
export const splitterOptions = (limits: SplitLimits) => ({ maxHeadSize: limits.maxHeaderSize, maxChildNodes: limits.maxParts, defaultInlineEmbedded: true });

export type SplitLimits = Pick<WalkLimits, 'maxHeaderSize' | 'maxParts'>;

/** `outer`: where a message attached to another sits in it (its depth and part number). */
export async function walkMessage(message: NodeJS.ReadableStream, probes: WalkProbes, limits: WalkLimits, outer?: { depth: number; part: string }): Promise<MessageReport> {
  const report: MessageReport = { parts: [], headerHits: new Set() };
  const splitter = new Splitter(splitterOptions(limits));
  const feeding = pipeline(message, splitter).catch(() => undefined);
  let current: PartReader | undefined;
  try {
    for await (const chunk of splitter as AsyncIterable<MimeNode | { type: 'data' | 'body'; value: Buffer }>) {
      if (chunk.type === 'node') {
        const node = chunk as MimeNode;
        if (current) report.parts.push(...(await current.finish()));
        report.problem = current?.problem;
        current = undefined;
        if (report.problem) break;
        if (report.parts.length >= limits.maxParts) {
          report.problem = tooManyParts(limits);
          break;
        }
        if (depthOf(node) + (outer?.depth ?? 0) > limits.maxDepth) {
          report.problem = { rule: 'mime-depth', reason: `MIME nesting too deep (more than ${limits.maxDepth} levels)` };
          break;
        }
        if (!node.parentNode && !outer) matchHeaders(node, probes.headerPatterns, report.headerHits);
        if (!node.multipart && node.messageNode !== true) current = new PartReader(node, probes, limits, depthOf(node) + (outer?.depth ?? 0), outer?.part);
      } else if (chunk.type === 'body') {
        current?.write(chunk.value);
      }
    }
    if (current && !report.problem) {
      report.parts.push(...(await current.finish()));
      report.problem = current.problem;
    }
  } catch (err) {
    report.problem = problemOf(err as Error & { code?: string }, limits);
  } finally {
    if (report.problem) current?.abandon();
    splitter.destroy();
    await feeding;
  }
  const bomb = report.parts.find((p) => p.inside.length > 0 && p.unpackedSize > limits.maxUnpackedSize);
  if (!report.problem && bomb) report.problem = { rule: 'archive-bomb', reason: `an archive that unpacks to more than ${limits.maxUnpackedSize} bytes` };
  return report;
}

function problemOf(err: Error & { code?: string }, limits: WalkLimits): StructureProblem {
  if (err.code !== 'EMAXLEN') return { rule: 'mime-unreadable', reason: 'a message whose MIME structure cannot be read' };
  // mailsplit's two bounds: the header block of one part, and the number of parts.
  if (/child nodes/.test(err.message)) return tooManyParts(limits);
  return { rule: 'mime-header-size', reason: `a MIME header block too large (over ${limits.maxHeaderSize} bytes)` };
}

const tooManyParts = (limits: WalkLimits): StructureProblem => ({ rule: 'mime-parts', reason: `too many MIME parts (more than ${limits.maxParts})` });

function depthOf(node: MimeNode): number {
  let depth = 1;
  for (let p = node.parentNode; p; p = p.parentNode) depth++;
  return depth;
}

function matchHeaders(node: MimeNode, patterns: readonly RegExp[], hits: Set<number>): void {
  if (patterns.length === 0 || !node.headers) return;
  const headers = node.headers;
  const names = new Set(headers.getList().map((l) => l.key));
  for (const key of names) {
    for (const decoded of headers.getDecoded(key)) {
      const field = `${key}: ${decoded.value}`;
      patterns.forEach((p, i) => {
        if (p.test(field)) hits.add(i);
      });
    }
  }
}

/** One leaf part, read as it streams by; finish() turns what was kept into a PartReport. */
class PartReader {
  private readonly decoder: BodyDecoder;
  private readonly head: Buffer[] = [];
  private headLength = 0;
  private size = 0;
  /** The part's bytes while it may be a zip to list: until its first bytes say otherwise, or it outgrows maxArchiveSize. */
  private zip: Buffer[] | undefined = [];
  private zipChecked = false;
  private readonly text: Buffer[] = [];
  private textLength = 0;
  private readonly signatures: SignatureSearch;
  private readonly isFile: boolean;
  private readonly isText: boolean;
  private readonly part: string;
  /** An attached message (message/rfc822 that mailsplit leaves whole): walked as a message of its own while it streams by. */
  private readonly attached?: { input: PassThrough; walk: Promise<MessageReport> };
  /** What the walk of an attached message refused. */
  problem?: StructureProblem;

  constructor(
    private readonly node: MimeNode,
    private readonly probes: WalkProbes,
    private readonly limits: WalkLimits,
    depth: number,
    private readonly outerPart: string | undefined,
  ) {
    this.part = outerPart === undefined ? partNumberOf(node) : `${outerPart}.${partNumberOf(node)}`;
    if (node.contentType === 'message/rfc822') {
      const input = new PassThrough();
      this.attached = { input, walk: walkMessage(input, probes, limits, { depth, part: this.part }) };
    }
    const type = node.contentType || 'text/plain';
    this.isText = type.startsWith('text/');
    this.isFile = Boolean(node.filename) || node.disposition === 'attachment' || !this.isText;
    this.signatures = new SignatureSearch(probes.signatures);
    this.decoder = bodyDecoder(node, (decoded) => this.take(decoded));
  }

  write(encoded: Buffer): void {
    this.decoder.write(encoded);
  }

  private take(decoded: Buffer): void {
    this.size += decoded.length;
    if (this.headLength < HEAD_BYTES) {
      this.head.push(decoded);
      this.headLength += decoded.length;
    }
    if (this.isFile) this.signatures.feed(decoded);
    this.attached?.input.write(decoded);
    if (this.zip && !this.zipChecked && this.headLength >= ZIP_MAGIC.length) {
      this.zipChecked = true;
      if (!Buffer.concat(this.head).subarray(0, ZIP_MAGIC.length).equals(ZIP_MAGIC)) this.zip = undefined;
    }
    if (this.zip) {
      this.zip.push(decoded);
      if (this.size > this.limits.maxArchiveSize) this.zip = undefined;
    }
    if (this.isText && this.probes.textPatterns.length > 0 && this.textLength < this.limits.maxTextSize) {
      this.text.push(decoded);
      this.textLength += decoded.length;
    }
  }

  /** Stops reading a part the walk gives up on, so an attached message's walk ends too. */
  abandon(): void {
    this.decoder.destroy();
    this.attached?.input.destroy();
  }

  /** This part's report, followed by those of the parts of an attached message. */
  async finish(): Promise<PartReport[]> {
    await this.decoder.end();
    this.attached?.input.end();
    const inner = await this.attached?.walk;
    this.problem = inner?.problem;
    const head = Buffer.concat(this.head).subarray(0, HEAD_BYTES);
    const facts: FileFacts = this.isFile
      ? await fileFacts({ name: this.node.filename || undefined, declaredType: this.node.contentType || undefined, head })
      : { declaredType: this.node.contentType || 'text/plain', executable: false, mismatch: false, disguised: false };
    const listing = facts.realType === 'zip' && this.zip ? await listZip(Buffer.concat(this.zip), this.limits.maxUnpackedSize) : undefined;
    const self: PartReport = {
      ...facts,
      part: this.part,
      removable: this.outerPart ?? this.part,
      isFile: this.isFile,
      size: this.size,
      encrypted: listing?.encrypted ?? false,
      inside: listing?.entries ?? [],
      unpackedSize: listing?.unpackedSize ?? 0,
      textHits: this.textHits(),
      signatureHits: this.signatures.hits,
    };
    return [self, ...(inner?.parts ?? []).map((p) => ({ ...p, removable: this.outerPart ?? this.part }))];
  }

  private textHits(): Set<number> {
    const hits = new Set<number>();
    if (!this.isText || this.probes.textPatterns.length === 0) return hits;
    const text = decodeText(Buffer.concat(this.text).subarray(0, this.limits.maxTextSize), this.node.charset || 'utf-8');
    this.probes.textPatterns.forEach((p, i) => {
      if (p.test(text)) hits.add(i);
    });
    return hits;
  }
}

export function partNumberOf(node: MimeNode): string {
  const nr = (node.partNr || []).filter((n) => n !== 'TEXT');
  return nr.length === 0 ? '1' : nr.join('.');
}

function decodeText(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}
