import { stringify } from 'yaml';
import { mailPolicyOf } from '../../app/mail-service.ts';
import { resolverFromConfig } from '../../app/resolver-from-config.ts';
import { ConfigError } from '../../config/errors.ts';
import { hideSecrets } from '../../config/hide-secrets.ts';
import type { Config } from '../../config/schema.ts';
import { formatProblem, loadZoneFile } from '../../dns/zone/load.ts';
import { silentLogger } from '../../log/logger.ts';
import { EXIT_OK, EXIT_USAGE } from '../usage.ts';

/** Validates the configuration, every zone, certificate and users file it names; prints the effective settings, secrets hidden. */
export async function checkConfigVerb(config: Config): Promise<number> {
  let errors = 0;
  const resolver = resolverFromConfig(config);
  try {
    mailPolicyOf(config, silentLogger(), resolver);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    errors++;
    process.stderr.write(`${err.message}\n`);
  } finally {
    resolver.close();
  }
  for (const zone of config.dns.zones) {
    if (zone.file === undefined) {
      process.stdout.write(`zone ${zone.name}: secondary, transferred from ${(zone.primaries ?? []).map((p) => `${p.address.address}:${p.address.port}`).join(', ')}\n`);
      continue;
    }
    const loaded = await loadZoneFile(zone.file, zone.name);
    for (const p of loaded.problems) process.stderr.write(`${formatProblem(p)}\n`);
    if (loaded.ok) process.stdout.write(`zone ${zone.name}: loaded serial ${loaded.serial} (${loaded.records.length} records)\n`);
    else {
      errors++;
      process.stderr.write(`zone ${zone.name}: has errors and would not be loaded (dns.zones[${config.dns.zones.indexOf(zone)}].file: ${zone.file})\n`);
    }
  }
  const { configFile, ...effective } = config;
  process.stdout.write(`# effective configuration of ${configFile} (durations in milliseconds)\n${stringify(hideSecrets(effective))}`);
  if (errors > 0) {
    process.stderr.write(`${errors} file${errors === 1 ? '' : 's'} with errors\n`);
    return EXIT_USAGE;
  }
  process.stdout.write('configuration OK\n');
  return EXIT_OK;
}
