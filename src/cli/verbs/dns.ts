import type { Config } from '../../config/schema.ts';
import { resolverFromConfig } from '../../app/resolver-from-config.ts';
import { DnsLookupError } from '../../dns/resolver/resolver.ts';
import { NameError } from '../../dns/wire/errors.ts';
import { recordToText } from '../../dns/wire/text.ts';
import { formatProblem, loadZoneFile } from '../../dns/zone/load.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../usage.ts';

/** Like named-checkzone: every problem as file:line, then the serial and OK, or exit 1. */
export async function checkZoneVerb(file: string, origin: string): Promise<number> {
  const zone = await loadZoneFile(file, origin.replace(/\.$/, ''));
  for (const p of zone.problems) process.stdout.write(`${formatProblem(p)}\n`);
  if (!zone.ok) {
    process.stdout.write(`zone ${origin}/IN: not loaded due to errors.\n`);
    return EXIT_FAILURE;
  }
  process.stdout.write(`zone ${origin}/IN: loaded serial ${zone.serial}\nOK\n`);
  return EXIT_OK;
}

/** Resolves through Postern's own resolver, so an operator sees what the relay sees. */
export async function lookupVerb(config: Config, name: string, type: string): Promise<number> {
  const resolver = resolverFromConfig(config);
  try {
    const result = await resolver.resolve(name, type);
    for (const rr of result.records) process.stdout.write(`${recordToText(rr)}\n`);
    process.stdout.write(`; ${result.authenticated ? 'authenticated (AD)' : 'not authenticated'}\n`);
    return EXIT_OK;
  } catch (err) {
    if (err instanceof DnsLookupError) {
      process.stderr.write(`${name} ${type}: ${err.code}${err.temporary ? ' (temporary)' : ''}\n`);
      return EXIT_FAILURE;
    }
    if (err instanceof NameError || err instanceof TypeError) throw new UsageError((err as Error).message);
    throw err;
  } finally {
    resolver.close();
  }
}
