import type { Config } from '../config/schema.ts';
import { Resolver, serversFromResolvConf } from '../dns/resolver/resolver.ts';
import type { Logger } from '../log/logger.ts';

/** The stub resolver the relay (and `postern dns lookup`) uses, as `resolver` configures it. */
export function resolverFromConfig(config: Config, logger?: Logger): Resolver {
  return new Resolver({
    servers: config.resolver.servers ?? serversFromResolvConf(),
    timeoutMs: config.resolver.timeout,
    attempts: config.resolver.attempts,
    cacheSize: config.resolver.cacheSize,
    logger,
  });
}
