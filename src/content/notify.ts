// Carries out notify and copyPostmaster, which the content check only reports: a notice from
// a template to our recipients and/or our sender, and a copy (or a notice) to the postmaster
// only where a rule of the policy names copyPostmaster. Notices are queued like DSNs, from the
// null sender, and never pass the checks themselves.
import { randomUUID } from 'node:crypto';
import type { CopyPostmasterConfig, NotifyConfig, TemplateField } from '../config/sections/content-notify.ts';
import type { Logger } from '../log/logger.ts';
import type { EndOfDataContext } from '../policy/check.ts';
import { ourDomains } from '../policy/our-domains.ts';
import { headerSection, subjectOf } from '../queue/header-section.ts';
import type { NoticeOutbox } from './notify-outbox.ts';
import { builtInTemplate, render, type Audience } from './notify-templates.ts';
import type { ContentFollowUp, ContentOutcome, RuleMatch } from './types.ts';

export interface NotifySettings {
  notify: NotifyConfig;
  copyPostmaster: CopyPostmasterConfig;
  /** Our domains (config `domains`): who counts as our recipient or sender; the first names the postmaster. */
  domains: readonly string[];
  hostname: string;
  outbox: NoticeOutbox;
  logger: Logger;
}

/** What became of the message, in words for the notice. */
export function whatHappened(outcome: ContentOutcome): string {
  switch (outcome.decided?.action) {
    case 'quarantine':
      return 'held in quarantine';
    case 'reject':
      return 'refused';
    case 'discard':
      return 'discarded';
  }
  if (outcome.applied.some((m) => m.action === 'strip')) return 'delivered with attachments removed';
  if (outcome.applied.some((m) => m.action === 'tag')) return 'delivered, marked as suspicious';
  return 'delivered';
}

/** An RFC 2047 encoded Subject where it is not plain ASCII, folded into short encoded words. */
function subjectField(subject: string): string {
  if (/^[\x20-\x7e]*$/.test(subject)) return `Subject: ${subject}`;
  // at most 45 octets a word: 60 of base64, under the 75 RFC 2047 allows; never a character split
  const words: string[] = [''];
  for (const char of subject) {
    if (Buffer.byteLength(words.at(-1)! + char) > 45) words.push('');
    words[words.length - 1] += char;
  }
  return `Subject: ${words.map((w) => `=?utf-8?B?${Buffer.from(w).toString('base64')}?=`).join('\r\n ')}`;
}

function noticeMessage(parts: { from: string; to: string; subject: string; body: string; hostname: string; original?: Buffer }): Buffer {
  const eightBit = (text: string) => (/^[\x00-\x7f]*$/.test(text) ? '7bit' : '8bit');
  const text = `${parts.body.replace(/\r?\n/g, '\r\n').replace(/(\r\n)*$/, '')}\r\n`;
  const head = [`From: Mail gateway <${parts.from}>`, `To: <${parts.to}>`, subjectField(parts.subject), `Date: ${new Date().toUTCString()}`, `Message-ID: <${randomUUID()}@${parts.hostname}>`, 'Auto-Submitted: auto-generated', 'MIME-Version: 1.0'];
  if (!parts.original) return Buffer.from([...head, 'Content-Type: text/plain; charset=utf-8', `Content-Transfer-Encoding: ${eightBit(text)}`, '', text].join('\r\n'));
  const boundary = `=_postern_${randomUUID()}`;
  return Buffer.concat([
    Buffer.from(
      [...head, `Content-Type: multipart/mixed; boundary="${boundary}"`, '', `--${boundary}`, 'Content-Type: text/plain; charset=utf-8', `Content-Transfer-Encoding: ${eightBit(text)}`, '', text + `--${boundary}`, 'Content-Type: message/rfc822', 'Content-Disposition: attachment; filename="message.eml"', `Content-Transfer-Encoding: ${parts.original.every((b) => b < 0x80) ? '7bit' : '8bit'}`, '', ''].join('\r\n'),
    ),
    parts.original,
    Buffer.from(`${parts.original.subarray(-2).toString() === '\r\n' ? '' : '\r\n'}--${boundary}--\r\n`),
  ]);
}

async function whole(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export function contentFollowUp(settings: NotifySettings): ContentFollowUp {
  const ours = ourDomains(settings.domains);
  const postmaster = `postmaster@${settings.domains[0] ?? settings.hostname}`;
  const { notify, copyPostmaster, hostname, logger } = settings;

  return async (outcome: ContentOutcome, ctx: EndOfDataContext): Promise<void> => {
    const notifying = outcome.matches.filter((m) => m.action === 'notify');
    const copying = outcome.matches.filter((m) => m.action === 'copyPostmaster');
    if (notifying.length === 0 && copying.length === 0) return;
    const subject = await subjectOf(await headerSection(await ctx.readMessage()));
    const valuesFor = (matches: RuleMatch[]): Record<TemplateField, string> => ({
      sender: ctx.sender || '<>',
      recipients: ctx.recipients.map((r) => r.address).join(', '),
      subject,
      rule: matches.map((m) => m.rule).join(', '),
      reason: matches.map((m) => m.reason).join('; '),
      action: whatHappened(outcome),
      date: new Date().toUTCString(),
      hostname,
    });
    const send = async (audience: Audience, to: string, matches: RuleMatch[], original?: Buffer) => {
      const template = notify.templates[audience] ?? builtInTemplate(audience);
      const values = valuesFor(matches);
      try {
        const id = await settings.outbox.enqueue(noticeMessage({ from: notify.from ?? postmaster, to, subject: render(template.subject, values), body: render(template.body, values), hostname, original }), [to]);
        logger.info({ check: 'content', audience, to, notice: id, rules: values.rule }, 'content notice queued');
      } catch (err) {
        logger.error({ check: 'content', audience, to, err: (err as Error).message }, 'content notice could not be queued');
      }
    };
    if (notifying.length > 0) {
      if (notify.recipient) for (const r of ctx.recipients) if (ours.hasAddress(r.address)) await send('recipient', r.address, notifying);
      if (notify.sender && ctx.sender !== '' && ours.hasAddress(ctx.sender)) await send('sender', ctx.sender, notifying);
    }
    if (copying.length > 0) await send('postmaster', copyPostmaster.to ?? postmaster, copying, copyPostmaster.send === 'message' ? await whole(await ctx.readMessage()) : undefined);
  };
}
