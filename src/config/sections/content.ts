import { z } from 'zod';
import { positiveInt, show, size } from '../fields.ts';
import { enumOf, listOf, type SectionContext } from './common.ts';
import { clamavSection } from './content-clamav.ts';
import { copyPostmasterSection, notifySection } from './content-notify.ts';
import { quarantineSection } from './content-quarantine.ts';

export const CONTENT_ACTIONS = ['reject', 'tag', 'strip', 'quarantine', 'notify', 'copyPostmaster', 'discard'] as const;
export const DIRECTIONS = ['inbound', 'outbound', 'internal'] as const;

/** A regular expression written as text; matched case-insensitively, as mail headers and words are. */
const pattern = () =>
  z.string({ error: (iss) => `expected a regular expression, got ${show(iss.input)}` }).transform((text, ctx) => {
    try {
      return new RegExp(text, 'iu');
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `expected a regular expression: ${(err as Error).message}; escape special characters with \\ (e.g. "invoice\\.pdf")`, input: text });
      return z.NEVER;
    }
  });

/** A byte signature: "hex:4d5a9000" (bytes) or any other text (its UTF-8 bytes). */
const signature = () =>
  z.string({ error: (iss) => `expected a signature like "hex:4d5a9000" or a text, got ${show(iss.input)}` }).min(1).transform((text, ctx) => {
    if (!text.startsWith('hex:')) return Buffer.from(text, 'utf8');
    const hex = text.slice(4).replace(/\s+/g, '');
    if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(hex)) {
      ctx.addIssue({ code: 'custom', message: `expected an even number of hex digits after "hex:", e.g. "hex:4d5a9000", got ${show(text)}`, input: text });
      return z.NEVER;
    }
    return Buffer.from(hex, 'hex');
  });

const words = () => listOf(z.string().min(1).transform((w) => w.toLowerCase().replace(/^\./, '')));

/** What a rule looks at: every condition given must hold (AND). */
const ruleMatch = () =>
  z.strictObject({
    realType: words().optional(),
    executable: z.boolean().optional(),
    extension: words().optional(),
    mismatch: z.boolean().optional(),
    disguised: z.boolean().optional(),
    encrypted: z.boolean().optional(),
    sizeOver: size().optional(),
    signature: listOf(signature()).optional(),
    text: pattern().optional(),
    header: pattern().optional(),
    virus: z.boolean().optional(),
  });

/** The conditions that pick out parts (attachments); the others (header, virus) look at the whole message. */
export const PART_CONDITIONS = ['realType', 'executable', 'extension', 'mismatch', 'disguised', 'encrypted', 'sizeOver', 'signature', 'text'] as const;

const rule = () =>
  z
    .strictObject({
      name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: 'expected a rule name of letters, digits, ".", "_" and "-", like no-exe' }),
      match: ruleMatch(),
      action: enumOf(CONTENT_ACTIONS),
      directions: listOf(enumOf(DIRECTIONS)).min(1, { error: 'expected at least one of inbound, outbound, internal (leave the key out for all three)' }).default([...DIRECTIONS]),
      /** For tag: the subject prefix, instead of content.tagPrefix. */
      subjectPrefix: z.string().optional(),
    })
    .superRefine((r, ctx) => {
      const given = Object.entries(r.match).filter(([, v]) => v !== undefined && v !== false).map(([k]) => k);
      if (given.length === 0) ctx.addIssue({ code: 'custom', path: ['match'], message: 'a rule needs at least one condition, e.g. match: { realType: [ exe ] }' });
      if (r.action === 'strip' && !given.some((k) => (PART_CONDITIONS as readonly string[]).includes(k))) {
        ctx.addIssue({ code: 'custom', path: ['action'], message: `strip removes attachments: give the rule a condition that picks them out (${PART_CONDITIONS.join(', ')}), or use another action` });
      }
    });

export type ContentRuleConfig = z.output<ReturnType<typeof rule>>;

/** Bounds on the inspection of one message, so a hostile one costs bounded memory and time. */
const limits = () =>
  z
    .strictObject({
      /** MIME levels (multiparts and nested messages) inspected; deeper is refused. */
      maxDepth: positiveInt().prefault(20),
      /** Parts (leaves, nested ones included) inspected; more is refused. */
      maxParts: positiveInt().prefault(1000),
      /** The header block of one MIME part (each line counting at least 64 bytes); larger is refused. */
      maxHeaderSize: size().prefault('256k'),
      /** Zip attachments up to this size are listed; larger ones are inspected by their own type only. */
      maxArchiveSize: size().prefault('10MB'),
      /** Sum of the uncompressed sizes a zip may declare; more is a decompression bomb, refused. */
      maxUnpackedSize: size().prefault('200MB'),
      /** Decoded text of a text part searched by text rules. */
      maxTextSize: size().prefault('1MB'),
    })
    .prefault({});

export const contentSection = (context: SectionContext) =>
  z
    .strictObject({
      scanning: z.boolean().prefault(true),
      /** Undefined: the built-in defaults (see docs/configuration.md). */
      rules: listOf(rule()).optional(),
      tagPrefix: z.string().prefault('[SUSPICIOUS] '),
      limits: limits(),
      clamav: clamavSection(),
      quarantine: quarantineSection(),
      notify: notifySection(context),
      copyPostmaster: copyPostmasterSection(),
    })
    .superRefine((content, ctx) => {
      const seen = new Set<string>();
      content.rules?.forEach((r, i) => {
        if (seen.has(r.name)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `rule ${r.name} is defined twice: give each rule its own name` });
        seen.add(r.name);
      });
    })
    .prefault({});

export type ContentConfig = z.output<ReturnType<typeof contentSection>>;
