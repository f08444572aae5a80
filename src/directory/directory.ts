// The configured directory (directory.backends) as one authenticator: backends are asked in
// order; the first that accepts the password wins, and a backend that cannot answer makes the
// result 'unavailable' (454) rather than a wrong-password 535 when no other backend said yes.
import type { DirectoryBackendConfig } from '../config/sections/directory.ts';
import type { Logger } from '../log/logger.ts';
import { FileDirectory, type VerifyResult } from './file-backend.ts';

export interface Directory {
  verify(authcid: string, password: string): Promise<VerifyResult>;
}

/** Opens every backend (reading its files now: problems are configuration errors); undefined when none is configured. */
export function openDirectory(backends: readonly DirectoryBackendConfig[], logger: Logger): Directory | undefined {
  if (backends.length === 0) return undefined;
  const opened = backends.map((backend) => new FileDirectory({ file: backend.path, logger }));
  if (opened.length === 1) return opened[0];
  return {
    async verify(authcid, password) {
      let unavailable = false;
      for (const backend of opened) {
        const result = await backend.verify(authcid, password);
        if (result === 'ok') return 'ok';
        if (result === 'unavailable') unavailable = true;
      }
      return unavailable ? 'unavailable' : 'fail';
    },
  };
}
