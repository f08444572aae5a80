// MAIL FROM:<reverse-path> [parameters] — RFC 5321 §4.1.1.2 with SIZE (RFC 1870), BODY
// (RFC 6152), SMTPUTF8 (RFC 6531), REQUIRETLS (RFC 8689), RET/ENVID (RFC 3461), AUTH (RFC 4954).
import type { Envelope } from '../../../queue/envelope.ts';
import { parseParameters, printable, unsupported } from './parameters.ts';
import { parsePath } from './path.ts';
import { reply, type Reply } from './reply.ts';
import { decodeXtext } from './xtext.ts';

export type MailParams = Pick<Envelope, 'body' | 'smtputf8' | 'requireTls' | 'ret' | 'envid' | 'declaredSize'>;

export type MailCommand = { ok: true; sender: string; params: MailParams } | { ok: false; reply: Reply };

const MAX_ENVID = 100; // RFC 3461 §4.4

/** `arg` is everything after the verb "MAIL", e.g. " FROM:<a@example.com> SIZE=100". */
export function parseMailCommand(arg: string, ctx: { maxMessageSize: number; tls: boolean }): MailCommand {
  // Postfix accepts a space after the colon, as many clients send one.
  const head = /^ FROM: ?/i.exec(arg);
  if (!head) return { ok: false, reply: reply(501, '5.5.4', 'Syntax: MAIL FROM:<address>') };
  const path = parsePath(arg.slice(head[0].length), 'reverse');
  if (!path.ok) return { ok: false, reply: reply(501, '5.1.7', `Bad sender address syntax: ${path.problem}`) };
  const parsed = parseParameters(path.rest);
  if (!parsed.ok) return parsed;

  const params: MailParams = { body: '7bit', smtputf8: false, requireTls: false };
  for (const [keyword, value] of parsed.params) {
    switch (keyword) {
      case 'SIZE': {
        if (value === undefined || !/^\d{1,20}$/.test(value)) return { ok: false, reply: reply(501, '5.5.4', 'Bad SIZE parameter') };
        const size = Number(value);
        if (size > ctx.maxMessageSize) return { ok: false, reply: reply(552, '5.3.4', 'Message size exceeds fixed maximum message size') };
        params.declaredSize = size;
        break;
      }
      case 'BODY': {
        const body = value?.toUpperCase();
        if (body === '7BIT') params.body = '7bit';
        else if (body === '8BITMIME') params.body = '8bitmime';
        else return { ok: false, reply: reply(501, '5.5.4', `Unsupported BODY type: ${printable(value ?? '')}`) };
        break;
      }
      case 'SMTPUTF8':
        if (value !== undefined) return { ok: false, reply: reply(501, '5.5.4', 'SMTPUTF8 takes no value') };
        params.smtputf8 = true;
        break;
      case 'REQUIRETLS':
        // Only advertised under TLS (RFC 8689 §4): outside TLS it is an option we do not offer.
        if (!ctx.tls) return { ok: false, reply: unsupported(keyword) };
        if (value !== undefined) return { ok: false, reply: reply(501, '5.5.4', 'REQUIRETLS takes no value') };
        params.requireTls = true;
        break;
      case 'RET': {
        const ret = value?.toUpperCase();
        if (ret !== 'FULL' && ret !== 'HDRS') return { ok: false, reply: reply(501, '5.5.4', 'Bad RET parameter: expected FULL or HDRS') };
        params.ret = ret === 'FULL' ? 'full' : 'hdrs';
        break;
      }
      case 'ENVID': {
        const envid = value === undefined ? undefined : decodeXtext(value);
        if (envid === undefined || envid === '' || envid.length > MAX_ENVID) return { ok: false, reply: reply(501, '5.5.4', 'Bad ENVID parameter: expected xtext of at most 100 characters') };
        params.envid = envid;
        break;
      }
      case 'AUTH':
        // RFC 4954 §5: the original submitter; we do not pass it on, so it is accepted and dropped.
        if (value === undefined || decodeXtext(value) === undefined) return { ok: false, reply: reply(501, '5.5.4', 'Bad AUTH parameter') };
        break;
      default:
        return { ok: false, reply: unsupported(keyword) };
    }
  }
  if (path.mailbox.utf8 && !params.smtputf8) return { ok: false, reply: reply(553, '5.6.7', 'Sender address contains UTF-8 but SMTPUTF8 was not given') };
  return { ok: true, sender: path.mailbox.address, params };
}
