// The configured directory (directory.backends) as one: backends are asked in order and the
// first that knows an address answers. One that cannot answer before that makes the whole answer
// 'unavailable' (4xx), never a fall-through to "no such user" from a later one; the same for
// AUTH, where the first backend that accepts the password wins. Lookups are cached and bounded
// by directory.timeout, so a hung server costs an SMTP client seconds, not minutes.
import type { DirectoryConfig } from '../config/sections/directory.ts';
import type { Logger } from '../log/logger.ts';
import { FileDirectory } from './file-backend.ts';
import { LdapDirectory } from './ldap-backend.ts';
import { LookupCache } from './lookup-cache.ts';
import type { DirectoryBackend, Lookup, VerifyResult } from './lookup.ts';
import { canonicalAddress } from './user-address.ts';

export interface Directory {
  verify(authcid: string, password: string): Promise<VerifyResult>;
  lookup(address: string): Promise<Lookup>;
  /** The backends, in order (`postern directory lookup` names them). */
  readonly backends: readonly DirectoryBackend[];
  close(): Promise<void>;
}

export interface OpenDirectoryOptions {
  configFile: string;
  logger: Logger;
  /** False for a one-off lookup (the CLI): every answer fresh from the backends. */
  cache?: boolean;
}

/** Opens every backend (reading its files now: problems are configuration errors); undefined when none is configured. */
export function openDirectory(config: DirectoryConfig, options: OpenDirectoryOptions): Directory | undefined {
  if (config.backends.length === 0) return undefined;
  const { logger, configFile } = options;
  const { maxDepth, maxRecipients } = config.expansion;
  const backends: DirectoryBackend[] = config.backends.map((backend) =>
    backend.type === 'file' ? new FileDirectory({ file: backend.path, logger }) : new LdapDirectory({ config: backend, configFile, maxDepth, maxMembers: maxRecipients, logger }),
  );
  const cache = options.cache === false ? undefined : new LookupCache({ positiveTtlMs: config.cache.positiveTtl, negativeTtlMs: config.cache.negativeTtl, maxEntries: config.cache.maxEntries });
  const ask = (address: string) => withTimeout(lookupInOrder(backends, address), config.timeout);
  return {
    backends,
    lookup(address) {
      const key = canonicalAddress(address) ?? address;
      return cache ? cache.get(key, () => ask(address)) : ask(address);
    },
    async verify(authcid, password) {
      let unavailable = false;
      for (const backend of backends) {
        const result = await backend.verify(authcid, password);
        if (result === 'ok') return 'ok';
        if (result === 'unavailable') unavailable = true;
      }
      return unavailable ? 'unavailable' : 'fail';
    },
    async close() {
      await Promise.all(backends.map((b) => b.close()));
    },
  };
}

async function lookupInOrder(backends: readonly DirectoryBackend[], address: string): Promise<Lookup> {
  for (const backend of backends) {
    const answer = await backend.lookup(address);
    if (answer.kind !== 'unknown') return answer;
  }
  return { kind: 'unknown', source: backends.map((b) => b.name).join(', ') };
}

function withTimeout(lookup: Promise<Lookup>, ms: number): Promise<Lookup> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Lookup>((done) => {
    timer = setTimeout(() => done({ kind: 'unavailable', reason: `no answer within ${ms / 1000}s (directory.timeout)`, source: 'directory' }), ms);
  });
  return Promise.race([lookup, late]).finally(() => clearTimeout(timer));
}
