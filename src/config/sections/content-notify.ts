import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { show } from '../fields.ts';
import { enumOf, type SectionContext } from './common.ts';

/** The words a notice template may use, each written {word}. */
export const TEMPLATE_FIELDS = ['sender', 'recipients', 'subject', 'rule', 'reason', 'action', 'date', 'hostname'] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

/** A notice template: its Subject line and its body text, with {word} placeholders. */
export interface NoticeTemplate {
  subject: string;
  body: string;
}

/**
 * Reads a template's text: a "Subject:" line, a blank line, the body. Undefined words are an
 * error, so a typo shows at start-up rather than in a notice.
 */
export function parseTemplate(text: string): NoticeTemplate | string {
  const m = /^Subject:[ \t]*(.*)\r?\n\r?\n([\s\S]*)$/i.exec(text);
  if (!m) return 'a template starts with a "Subject: ..." line and a blank line, then the body';
  const unknown = [...text.matchAll(/\{([A-Za-z]+)\}/g)].map((w) => w[1]!).filter((w) => !(TEMPLATE_FIELDS as readonly string[]).includes(w));
  if (unknown.length > 0) return `unknown placeholder {${unknown[0]}}; a template may use ${TEMPLATE_FIELDS.map((f) => `{${f}}`).join(', ')}`;
  return { subject: m[1]!.trim(), body: m[2]!.replace(/\r?\n/g, '\r\n') };
}

/** A template inline ("Subject: ...\n\n...") or in a file ({ file: notices/recipient.txt }). */
const template = ({ path }: SectionContext) =>
  z
    .union([z.string(), z.strictObject({ file: path })], { error: (iss) => `expected the template's text or { file: PATH }, got ${show(iss.input)}` })
    .transform((given, ctx): NoticeTemplate => {
      let text: string;
      if (typeof given === 'string') text = given;
      else {
        try {
          text = readFileSync(given.file, 'utf8');
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: `cannot read the template ${given.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; give an existing file or the text inline`, input: given });
          return z.NEVER;
        }
      }
      const parsed = parseTemplate(text);
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed, input: given });
        return z.NEVER;
      }
      return parsed;
    });

const mailbox = () => z.string().regex(/^[^\s@<>]+@[^\s@<>]+$/, { error: (iss) => `expected an address like postmaster@example.com, got ${show(iss.input)}` });

/** content.notify: who the notify action tells, and in what words (built-in texts unless given). */
export const notifySection = (context: SectionContext) =>
  z
    .strictObject({
      /** Our recipients of the message (of our domains). */
      recipient: z.boolean().default(true),
      /** Its sender, when the sender is one of ours. */
      sender: z.boolean().default(true),
      /** The notices' From; default postmaster@ the first of `domains`. */
      from: mailbox().optional(),
      templates: z
        .strictObject({
          recipient: template(context).optional(),
          sender: template(context).optional(),
          postmaster: template(context).optional(),
        })
        .prefault({}),
    })
    .prefault({});

/** content.copyPostmaster: where and what the copyPostmaster action sends. Only rules that name the action send anything. */
export const copyPostmasterSection = () =>
  z
    .strictObject({
      /** Default postmaster@ the first of `domains`. */
      to: mailbox().optional(),
      /** message: the message itself, attached to a notice; notice: only the notice (envelope, subject, rule). */
      send: enumOf(['message', 'notice'] as const).default('message'),
    })
    .prefault({});

export type NotifyConfig = z.output<ReturnType<typeof notifySection>>;
export type CopyPostmasterConfig = z.output<ReturnType<typeof copyPostmasterSection>>;
