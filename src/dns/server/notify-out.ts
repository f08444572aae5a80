// NOTIFY out (RFC 1996): tells a zone's secondaries that it has a new version, so they check
// its SOA and transfer it at once instead of at their next refresh. Each target is tried over
// UDP until it answers (a few tries, a pause between them, §3.6); a newer version of the zone
// replaces a round still trying for the older one. Signed with the target's key when it has one.

import { randomInt } from 'node:crypto';
import type { Logger } from '../../log/logger.ts';
import { decodeHeader } from '../wire/decode.ts';
import { encodeMessage } from '../wire/encode.ts';
import { Opcode, RClass, Rcode } from '../wire/model.ts';
import { RRType } from '../wire/rrtypes.ts';
import { udpExchange, type PrimaryAddress } from '../secondary/primary-exchange.ts';
import { signedExchange } from '../tsig/client.ts';
import { tsigKey, type TsigKeySpec } from '../tsig/keys.ts';
import { Counter, dnsCounters, type DnsCounters } from './counters.ts';

export interface NotifyTarget extends PrimaryAddress {
  key?: TsigKeySpec;
}

export interface NotifyTimings {
  tries: number;
  /** How long each try waits for the answer; the next try follows at once. */
  intervalMs: number;
}

export const DEFAULT_NOTIFY_TIMINGS: NotifyTimings = { tries: 5, intervalMs: 2000 };

const describe = (target: NotifyTarget): string => `${target.address}:${target.port}`;

export class NotifySender {
  /** A round in progress per zone and target: a newer one cancels it. */
  private readonly rounds = new Map<string, { cancelled: boolean }>();
  private closed = false;

  constructor(
    private readonly logger: Logger,
    private readonly timings: NotifyTimings = DEFAULT_NOTIFY_TIMINGS,
    private readonly counters: DnsCounters = dnsCounters,
  ) {}

  /** Notifies every target of `zone` (now at `serial`, when known); resolves when each has
   *  answered or run out of tries. Never rejects. */
  notify(zone: string, serial: number | undefined, targets: readonly NotifyTarget[]): Promise<void> {
    if (this.closed) return Promise.resolve();
    return Promise.all(targets.map((target) => this.round(zone, serial, target))).then(() => undefined);
  }

  /** Stops every round at its next try. */
  close(): void {
    this.closed = true;
    for (const round of this.rounds.values()) round.cancelled = true;
  }

  private async round(zone: string, serial: number | undefined, target: NotifyTarget): Promise<void> {
    const id = `${zone}\n${describe(target)}`;
    const previous = this.rounds.get(id);
    if (previous) previous.cancelled = true;
    const round = { cancelled: false };
    this.rounds.set(id, round);
    const log = { zone: zone || '.', serial, target: describe(target), key: target.key?.name };
    let last = '';
    for (let attempt = 1; attempt <= this.timings.tries && !round.cancelled; attempt++) {
      try {
        const rcode = await this.once(zone, target);
        if (this.rounds.get(id) === round) this.rounds.delete(id);
        this.counters.add(Counter.NOTIFY_SENT);
        if (rcode === Rcode.NOERROR) this.logger.info({ ...log, attempt }, 'NOTIFY answered');
        else this.logger.warn({ ...log, attempt, rcode }, 'NOTIFY refused by the target');
        return;
      } catch (err) {
        last = (err as Error).message;
      }
    }
    if (this.rounds.get(id) === round) this.rounds.delete(id);
    if (!round.cancelled) this.logger.warn({ ...log, tries: this.timings.tries, error: last }, 'NOTIFY not answered; the secondary will see the new serial at its next refresh');
  }

  /** One try: the target's rcode, or a throw when it does not answer (or not authentically). */
  private async once(zone: string, target: NotifyTarget): Promise<number> {
    const id = randomInt(0x10000);
    const message = encodeMessage({
      id,
      flags: { qr: false, opcode: Opcode.NOTIFY, aa: true, tc: false, rd: false, ra: false, ad: false, cd: false, rcode: Rcode.NOERROR },
      questions: [{ name: zone, type: RRType.SOA, class: RClass.IN }],
      answers: [],
      authority: [],
      additional: [],
    });
    const exchange = target.key === undefined ? undefined : signedExchange(tsigKey(target.key));
    const reply = await udpExchange(target, exchange?.sign(message) ?? message, (bytes) => isReplyTo(bytes, id), this.timings.intervalMs);
    exchange?.verify(reply);
    return decodeHeader(reply).flags.rcode;
  }
}

function isReplyTo(reply: Buffer, id: number): boolean {
  if (reply.length < 12) return false;
  const header = decodeHeader(reply);
  return header.id === id && header.flags.qr && header.flags.opcode === Opcode.NOTIFY;
}
