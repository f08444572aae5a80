// Structured events with stable names, as Stalwart has them: the services say what happened,
// and whoever listens (metrics, the delivery log, the console's charts) counts it. The services
// get this emitter and never know who listens, so nothing below admin/ depends on it.
import { EventEmitter } from 'node:events';

export interface MailEventMap {
  /** An SMTP session began (the connect stage ran). */
  session: { listener: string; client: string };
  /** A check refused at some stage; kind says whether for good (reject) or for now (defer). */
  refused: { stage: string; check: string; kind: 'reject' | 'defer'; reply: string };
  /** A message is on stable storage and was answered 250 (quarantined ones too). */
  accepted: { queueId: string; client: string; recipients: number };
  quarantined: { check: string; reason: string; rule?: string };
  discarded: { check: string; reason: string };
  /** One recipient's delivery attempt and its result. */
  delivery: { queueId: string; sender: string; recipient: string; domain: string; status: 'sent' | 'deferred' | 'bounced'; relay: string; dsn: string; reply: string; at: number };
  /** A delivery status notification was queued for a message's sender. */
  dsn: { queueId: string; kind: string };
  /** A content scanner answered (clamd and the like). */
  scan: { scanner: string; seconds: number; result: string };
}

export type MailEventName = keyof MailEventMap;

export class MailEvents {
  private readonly emitter = new EventEmitter();

  emit<K extends MailEventName>(name: K, event: MailEventMap[K]): void {
    this.emitter.emit(name, event);
  }

  /** A listener that throws is dropped from that one event: counting must never fail a delivery. */
  on<K extends MailEventName>(name: K, listener: (event: MailEventMap[K]) => void): () => void {
    const guarded = (event: MailEventMap[K]): void => {
      try {
        listener(event);
      } catch {
        // the event is lost to this listener only
      }
    };
    this.emitter.on(name, guarded);
    return () => this.emitter.off(name, guarded);
  }
}
