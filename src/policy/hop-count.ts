// A message that has passed more than 100 relays is looping (RFC 5321 §6.3): refused at the end of
// DATA (554 5.4.6), never accepted and bounced. Only the header section is read.
import { CONTINUE, type EndOfDataContext, type SmtpCheck, type Verdict } from './check.ts';

export const MAX_HOPS = 100;
const TOO_MANY_HOPS: Verdict = { kind: 'reject', code: 554, enhanced: '5.4.6', text: `Too many hops: more than ${MAX_HOPS} Received headers; mail loop?` };

/** Counts Received fields in the header section of a CRLF message stream; stops reading at its end. */
export async function countReceived(message: NodeJS.ReadableStream): Promise<number> {
  let count = 0;
  let partial = '';
  for await (const chunk of message) {
    const lines = (partial + (chunk as Buffer).toString('latin1')).split('\r\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (line === '') return count;
      if (/^received[ \t]*:/i.test(line)) count++;
    }
    // A header line longer than this is no header: stop counting there.
    if (partial.length > 100_000) return count;
  }
  return count;
}

export function hopCountCheck(): SmtpCheck {
  return {
    name: 'hops',
    async endOfData(ctx: EndOfDataContext): Promise<Verdict> {
      return (await countReceived(await ctx.readMessage())) > MAX_HOPS ? TOO_MANY_HOPS : CONTINUE;
    },
  };
}
