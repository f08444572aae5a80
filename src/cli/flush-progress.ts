// After `postern queue flush` on a terminal: a progress bar of the recipients tried so far,
// drawn from the running Postern's count of recipients still due, until none is left.
import { sendControl } from './control-client.ts';

const POLL_MS = 250;
const WIDTH = 30;

async function dueNow(socket: string): Promise<number> {
  const reply = await sendControl(socket, 'queue', ['due']);
  return reply.ok ? Number(reply.details?.[0] ?? 0) : 0;
}

/** One line, redrawn in place: "[#########.....] 1200/4000 recipients tried (30%)". */
export function progressLine(done: number, total: number): string {
  const share = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(share * WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total} recipients tried (${Math.floor(share * 100)}%)`;
}

/** `scheduled`: what the flush made due; attempts that ended before the first look count as done. */
export async function followFlush(socket: string, scheduled: number, out: NodeJS.WriteStream = process.stderr): Promise<void> {
  let remaining = await dueNow(socket);
  let total = Math.max(scheduled, remaining);
  out.write(progressLine(total - remaining, total));
  while (remaining > 0) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    remaining = await dueNow(socket);
    // Mail that falls due meanwhile joins the run.
    total = Math.max(total, remaining);
    out.write(`\r${progressLine(total - remaining, total)}`);
  }
  out.write('\n');
}
