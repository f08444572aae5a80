import { existsSync, readFileSync } from 'node:fs';
import { controlSocketPath, pidFilePath, type ControlCommand } from '../../app/control-protocol.ts';
import type { Config } from '../../config/schema.ts';
import { sendControl } from '../control-client.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../usage.ts';

/** reload, dns reload and status: one command to the running Postern, its answer printed. */
export async function controlVerb(config: Config, command: ControlCommand): Promise<number> {
  try {
    const reply = await sendControl(controlSocketPath(config.dataDir), command);
    const out = reply.ok ? process.stdout : process.stderr;
    out.write(`${reply.message}\n${(reply.details ?? []).map((d) => `  ${d}\n`).join('')}`);
    if (reply.ok) return EXIT_OK;
    return command === 'reload' && reply.message.startsWith('reload refused') ? EXIT_USAGE : EXIT_FAILURE;
  } catch (err) {
    process.stderr.write(`postern: ${(err as Error).message}\n`);
    return EXIT_FAILURE;
  }
}

/** Asks Postern to stop and waits until its process has exited (bounded by shutdownTimeout + margin). */
export async function stopVerb(config: Config): Promise<number> {
  const pidFile = pidFilePath(config.dataDir);
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : undefined;
  const code = await controlVerb(config, 'stop');
  if (code !== EXIT_OK || !pid) return code;
  const waitMs = config.shutdownTimeout + 5000;
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    if (!processExists(pid)) {
      process.stdout.write('stopped\n');
      return EXIT_OK;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.stderr.write(`postern: process ${pid} has not exited within ${waitMs / 1000}s\n`);
  return EXIT_FAILURE;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
