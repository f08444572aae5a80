// `postern dkim keygen DOMAIN SELECTOR`: makes a DKIM signing key, writes the private half where
// policy.dkim.sign[].key will name it (mode 0600; an existing file is never overwritten), and
// prints the TXT record that publishes the public half.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { domainToASCII } from 'node:url';
import { generateSigningKey, publicKeyZoneLine, type DkimKeyType } from '../../policy/dkim-key.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError, type VerbHelp } from '../usage.ts';

export const DKIM_HELP: VerbHelp = {
  usage: 'postern dkim keygen DOMAIN SELECTOR [--type rsa|ed25519] [--out PATH] [--config FILE]',
  summary: 'make a DKIM signing key and print the DNS record to publish',
  details:
    'keygen DOMAIN SELECTOR  write a new private key (PEM, mode 0600) and print "SELECTOR._domainkey.DOMAIN. IN TXT ..."\n' +
    '--type rsa|ed25519      RSA 2048 bits (default; every verifier knows it) or Ed25519 (RFC 8463)\n' +
    '--out PATH              where to write the key; default: keys/SELECTOR.DOMAIN.pem beside the configuration file\n' +
    'An existing file is never overwritten. Then add { domain: DOMAIN, selector: SELECTOR, key: PATH } to policy.dkim.sign.',
};

export function dkimVerb(args: string[], options: { type?: string; out?: string; configFile: string }): number {
  const [sub, domainText, selector, ...extra] = args;
  if (sub !== 'keygen') throw new UsageError(`unknown dkim verb ${sub ? `"${sub}"` : '(none given)'}; expected keygen`);
  if (!domainText || !selector || extra.length > 0) throw new UsageError(`usage: ${DKIM_HELP.usage}`);
  const domain = domainToASCII(domainText.replace(/\.$/, '')).toLowerCase();
  if (domain === '') throw new UsageError(`"${domainText}" is not a domain name`);
  if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i.test(selector)) throw new UsageError(`"${selector}" is not a selector: use DNS labels, like s1 or 2026-11`);
  const type = (options.type ?? 'rsa') as DkimKeyType;
  if (type !== 'rsa' && type !== 'ed25519') throw new UsageError(`--type ${options.type}: expected rsa or ed25519`);
  const file = options.out ? resolve(options.out) : resolve(dirname(options.configFile), 'keys', `${selector}.${domain}.pem`);

  const key = generateSigningKey(type);
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, key.pem, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    process.stderr.write(`postern: ${file}: ${code === 'EEXIST' ? 'exists already; choose a new selector for a new key (or --out PATH)' : (err as Error).message}\n`);
    return EXIT_FAILURE;
  }
  process.stderr.write(`postern: wrote the ${type === 'rsa' ? 'RSA 2048' : 'Ed25519'} private key to ${file}\n`);
  process.stdout.write(`${publicKeyZoneLine(domain, selector, key)}\n`);
  return EXIT_OK;
}
