// What is wrong with a zone, as named-checkzone reports it: where, how bad, and what.

export type ZoneProblemSeverity = 'error' | 'warning';

export interface ZoneProblem {
  severity: ZoneProblemSeverity;
  file?: string;
  line?: number;
  /** The owner name the problem is about (the zone origin when none is more specific). */
  name: string;
  message: string;
}

/** A problem at one line of one master file; the message says what is wrong there. */
export class ZoneFileError extends Error {
  /** The message without the file:line prefix. */
  readonly detail: string;

  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(`${file}:${line}: ${message}`);
    this.name = 'ZoneFileError';
    this.detail = message;
  }
}

/** One line for an admin: "file:line: message", warnings marked as such. */
export function formatProblem(p: ZoneProblem): string {
  const where = p.file === undefined ? p.name || '.' : p.line === undefined ? p.file : `${p.file}:${p.line}`;
  const severity = p.severity === 'warning' ? 'warning: ' : '';
  return `${where}: ${severity}${p.message}`;
}
