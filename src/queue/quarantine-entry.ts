// The shape of a quarantine listing entry, without imports, so the web console (built for the
// browser) shares it with the server instead of declaring its own copy.

/** One quarantined message as `postern quarantine list` and the web console show it. */
export interface QuarantineEntry {
  id: string;
  /** When it was quarantined (ISO 8601). */
  time: string;
  sender: string;
  recipients: string[];
  subject: string;
  rule: string | null;
  reason: string;
  size: number;
}
