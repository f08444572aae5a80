// Last-resort cleanup: a benchmark stopped by Ctrl-C, a signal or an uncaught error must not leave
// servers, dnsperf or temp folders behind. Normal paths clean up themselves and unregister.
import { constants } from 'node:os';

const actions = new Set<() => void>();

function runAll(): void {
  // Last registered first, like nested try/finally: servers stop before their folder goes.
  for (const action of [...actions].reverse()) {
    try {
      action();
    } catch {
      // Best effort: the other actions still run.
    }
  }
  actions.clear();
}

process.once('exit', runAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    runAll();
    process.exit(128 + constants.signals[signal]);
  });
}

/** Runs `action` (synchronous) if the process exits or is interrupted before the returned function is called. */
export function onAbort(action: () => void): () => void {
  actions.add(action);
  return () => actions.delete(action);
}
