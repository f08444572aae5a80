// A virus scanner whose every answer, with the time it took, is told to MailEvents (the
// scanner-latency metric), without the scanner knowing.
import type { VirusScanner } from '../content/types.ts';
import type { MailEvents } from '../log/mail-events.ts';

export function timedScanner(scanner: VirusScanner | undefined, name: string, events: MailEvents | undefined): VirusScanner | undefined {
  if (!scanner || !events) return scanner;
  return {
    async scan(message) {
      const started = process.hrtime.bigint();
      const result = await scanner.scan(message);
      events.emit('scan', { scanner: name, seconds: Number(process.hrtime.bigint() - started) / 1e9, result: result.kind });
      return result;
    },
  };
}
