// RCPT TO:<forward-path> [parameters] — RFC 5321 §4.1.1.3 with NOTIFY and ORCPT (RFC 3461).
import type { DsnNotify, Recipient } from '../../../queue/envelope.ts';
import { parseParameters, unsupported } from './parameters.ts';
import { parsePath } from './path.ts';
import { reply, type Reply } from './reply.ts';
import { decodeXtext } from './xtext.ts';

export type RcptCommand = { ok: true; recipient: Recipient } | { ok: false; reply: Reply };

const MAX_ORCPT = 500; // RFC 3461 §4.2

const NOTIFY_CONDITIONS = new Set(['SUCCESS', 'FAILURE', 'DELAY']);

function parseNotify(value: string | undefined): DsnNotify | undefined {
  if (value === undefined) return undefined;
  const words = value.toUpperCase().split(',');
  if (words.length === 1 && words[0] === 'NEVER') return 'never';
  if (words.some((w) => !NOTIFY_CONDITIONS.has(w)) || new Set(words).size !== words.length) return undefined;
  return words.map((w) => w.toLowerCase() as 'success' | 'failure' | 'delay');
}

/** RFC 6533 utf-8-addr-xtext: xtext whose text may carry \x{HEX} escapes for non-ASCII. */
function decodeUtf8AddrXtext(value: string): string | undefined {
  const text = decodeXtext(value);
  if (text === undefined) return undefined;
  try {
    return text.replace(/\\x\{([0-9A-F]{2,6})\}/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)));
  } catch {
    return undefined;
  }
}

function parseOrcpt(value: string | undefined): Recipient['orcpt'] | undefined {
  if (value === undefined || value.length > MAX_ORCPT) return undefined;
  const semicolon = value.indexOf(';');
  if (semicolon <= 0) return undefined;
  const type = value.slice(0, semicolon);
  if (!/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+$/.test(type)) return undefined;
  const raw = value.slice(semicolon + 1);
  const address = type.toLowerCase() === 'utf-8' ? decodeUtf8AddrXtext(raw) : decodeXtext(raw);
  return address === undefined || address === '' ? undefined : { type: type.toLowerCase(), address };
}

/** `arg` is everything after the verb "RCPT", e.g. " TO:<b@example.com> NOTIFY=NEVER". */
export function parseRcptCommand(arg: string, ctx: { smtputf8: boolean }): RcptCommand {
  const head = /^ TO: ?/i.exec(arg);
  if (!head) return { ok: false, reply: reply(501, '5.5.4', 'Syntax: RCPT TO:<address>') };
  const path = parsePath(arg.slice(head[0].length), 'forward');
  if (!path.ok) return { ok: false, reply: reply(501, '5.1.3', `Bad recipient address syntax: ${path.problem}`) };
  const parsed = parseParameters(path.rest);
  if (!parsed.ok) return parsed;

  const recipient: Recipient = { address: path.mailbox.address };
  for (const [keyword, value] of parsed.params) {
    switch (keyword) {
      case 'NOTIFY': {
        const notify = parseNotify(value);
        if (notify === undefined) return { ok: false, reply: reply(501, '5.5.4', 'Bad NOTIFY parameter: expected NEVER, or SUCCESS, FAILURE and DELAY separated by commas') };
        recipient.notify = notify;
        break;
      }
      case 'ORCPT': {
        const orcpt = parseOrcpt(value);
        if (orcpt === undefined) return { ok: false, reply: reply(501, '5.5.4', 'Bad ORCPT parameter: expected addr-type;xtext') };
        recipient.orcpt = orcpt;
        break;
      }
      default:
        return { ok: false, reply: unsupported(keyword) };
    }
  }
  if (path.mailbox.utf8 && !ctx.smtputf8) return { ok: false, reply: reply(553, '5.6.7', 'Recipient address contains UTF-8 but SMTPUTF8 was not given on MAIL') };
  return { ok: true, recipient };
}
