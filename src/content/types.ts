// The types the content filter shares with its neighbours: the virus scanner (clamd), the
// quarantine and the notifications. The filter decides; the others carry out what it decided.
import type { CONTENT_ACTIONS, DIRECTIONS } from '../config/sections/content.ts';
import type { EndOfDataContext } from '../policy/check.ts';

/** What a scanner says of one whole message. 'error': the scanner could not answer (down, timeout, protocol). */
export type ScanResult = { kind: 'clean' } | { kind: 'infected'; signature: string } | { kind: 'error'; message: string };

/** A virus scanner over the whole raw message (clamd decodes MIME itself). */
export interface VirusScanner {
  scan(message: Buffer | NodeJS.ReadableStream): Promise<ScanResult>;
}

export type ContentAction = (typeof CONTENT_ACTIONS)[number];

export type Direction = (typeof DIRECTIONS)[number];

/** One rule that matched: which, with what action, and why, in words fit for a log line or a notice. */
export interface RuleMatch {
  rule: string;
  action: ContentAction;
  /** Why it matched, e.g. 'attachment "invoice.pdf.exe": exe behind a pdf name'. */
  reason: string;
  /** The MIME part numbers ("1.2") it matched, for part rules. */
  parts: string[];
  /** What was found in each of those parts, by part number, e.g. 'attachment "a.exe" (exe content)'. */
  findings?: Record<string, string>;
}

/**
 * What the content check found and did with one message; kept in the results bag under
 * CONTENT_RESULT and handed to the follow-up. `decided` is the action that ended the message's
 * path (reject, quarantine, discard), if one did; tag and strip are in `applied`.
 */
export interface ContentOutcome {
  matches: RuleMatch[];
  decided?: RuleMatch;
  applied: RuleMatch[];
  /** The scanner's finding, when a scanner ran. */
  scan?: ScanResult;
}

/** The results-bag key under which the content check leaves its ContentOutcome. */
export const CONTENT_RESULT = 'content';

/**
 * Carries out what the filter only reports: notify and copyPostmaster matches (and anything else
 * to do about the outcome). Called once per inspected message with any match, after strip and tag
 * were applied and before the verdict is returned to the engine; ctx.readMessage() gives the
 * message as it will be stored.
 */
export type ContentFollowUp = (outcome: ContentOutcome, ctx: EndOfDataContext) => Promise<void>;
