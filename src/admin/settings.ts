// The admin listener's settings, with its secrets read from their files while Postern may still
// be root (like the SMTP certificates), before privileges are dropped.
import { readFileSync } from 'node:fs';
import type { Endpoint } from '../config/endpoint.ts';
import { ConfigError } from '../config/errors.ts';
import type { Config } from '../config/schema.ts';
import { loadTokens, type NamedToken } from './tokens.ts';

export interface AdminSettings {
  listen: Endpoint;
  tokens: NamedToken[];
  tls?: { cert: Buffer; key: Buffer };
  metricsPublic: boolean;
  deliveryLogSize: number;
  dataDir: string;
}

/** undefined when the configuration has no admin section. */
export function adminSettingsOf(config: Config): AdminSettings | undefined {
  const admin = config.admin;
  if (!admin) return undefined;
  const read = (key: 'cert' | 'key', file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new ConfigError(config.configFile, [`admin.tls.${key}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; give a readable PEM file`]);
    }
  };
  return {
    listen: admin.listen,
    tokens: loadTokens(admin, config.configFile),
    ...(admin.tls ? { tls: { cert: read('cert', admin.tls.cert), key: read('key', admin.tls.key) } } : {}),
    metricsPublic: admin.metricsPublic,
    deliveryLogSize: admin.deliveryLogSize,
    dataDir: config.dataDir,
  };
}
