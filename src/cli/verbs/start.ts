import { Postern } from '../../app/postern.ts';
import type { Config } from '../../config/schema.ts';
import { createLogger } from '../../log/logger.ts';
import { EXIT_FAILURE, EXIT_OK } from '../usage.ts';

/** Runs until SIGTERM/SIGINT (graceful stop) and reloads on SIGHUP. Resolves with the exit code. */
export async function startVerb(config: Config): Promise<number> {
  const logger = createLogger(config.log);
  let postern: Postern;
  try {
    postern = await Postern.start(config, logger);
  } catch (err) {
    logger.fatal((err as Error).message);
    return EXIT_FAILURE;
  }
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'stop requested');
      void postern.stop().then(() => resolve(EXIT_OK));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    process.on('SIGHUP', () => void postern.reload());
    // A "postern stop" arrives through the control socket rather than as a signal.
    void postern.stopped().then(() => resolve(EXIT_OK));
  });
}
