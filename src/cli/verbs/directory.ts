// `postern directory lookup ADDRESS`: what Postern would do with mail to that address: whether
// RCPT is accepted, what the address expands to, where each resulting recipient is delivered,
// and which backend (and entry) said so. Asks the configured backends directly: no running
// Postern is needed, and nothing is cached.
import { directoryReport, type DirectoryReport } from '../../app/directory-report.ts';
import type { Config } from '../../config/schema.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError, type VerbHelp } from '../usage.ts';

export const DIRECTORY_HELP: VerbHelp = {
  usage: 'postern directory lookup ADDRESS [--json] [--config FILE]',
  summary: 'what Postern would do with a recipient: accepted? expands to? delivered where? which backend said so',
  details:
    'Asks directory.backends of the configuration in order (no running Postern needed, no cache) and prints\n' +
    'the RCPT answer, each expansion step (alias, forward, group member) with the backend and entry that\n' +
    'gave it, and the destination of every final recipient (its mailHost, or its domain\'s route).\n' +
    '--json  the same as one JSON object\n' +
    'Exit 0 when the address would be accepted, 1 when it would be refused or the directory cannot answer.',
};

export async function directoryVerb(config: Config, args: string[], json: boolean): Promise<number> {
  const [sub, address, ...extra] = args;
  if (sub !== 'lookup') throw new UsageError(`unknown directory verb ${sub ? `"${sub}"` : '(none given)'}; expected lookup`);
  if (address === undefined || extra.length > 0) throw new UsageError(`usage: ${DIRECTORY_HELP.usage}`);
  const report = await directoryReport(config, address);
  process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.rcpt.startsWith('250') ? EXIT_OK : EXIT_FAILURE;
}

function formatReport(report: DirectoryReport): string {
  const lines = [`${report.address}: ${report.rcpt}`];
  for (const step of report.steps) {
    const detail = [step.to && step.what !== 'user' ? `→ ${step.to.join(', ')}` : '', step.mailHost ? `mailHost ${step.mailHost}` : '', step.source ? `[${step.source}]` : ''].filter(Boolean).join('  ');
    lines.push(`  ${'  '.repeat(step.depth)}${step.address}: ${step.what}${detail ? `  ${detail}` : ''}`);
  }
  if (report.recipients.length > 0) lines.push('delivered to:');
  for (const r of report.recipients) lines.push(`  ${r.address} → ${r.destination}`);
  return `${lines.join('\n')}\n`;
}
