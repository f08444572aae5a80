import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export interface LogSettings {
  level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  format: 'json' | 'pretty';
}

/** The one logger of the process. Pretty output is formatted in-process (no worker thread),
 *  so log lines written just before an exit are never lost. */
export function createLogger(settings: LogSettings, destination: NodeJS.WritableStream = process.stderr): Logger {
  if (settings.format === 'pretty') {
    return pino({ level: settings.level }, pretty({ destination, sync: true, colorize: false, translateTime: 'SYS:standard' }));
  }
  return pino({ level: settings.level }, destination);
}

/** A logger that drops everything: for library callers and tests that do not look at logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
