// The `ldap` directory backend: recipients, aliases, forwards, routing hosts and distribution
// lists from an LDAP server (OpenLDAP, Active Directory), and AUTH by binding as the user.
// Searches run on the service connections of a pool; a password is checked on a connection of
// its own, opened for that one bind, so the pool never carries a user's identity.
import { readFileSync } from 'node:fs';
import { InvalidCredentialsError, NoSuchObjectError, type Entry } from 'ldapts';
import { ConfigError } from '../config/errors.ts';
import type { LdapBackendConfig } from '../config/sections/directory.ts';
import type { Logger } from '../log/logger.ts';
import { openLdap, type LdapServer } from './ldap-connection.ts';
import { fillFilter } from './ldap-filter.ts';
import { LdapPool } from './ldap-pool.ts';
import type { DirectoryBackend, DirectoryEntry, Lookup, VerifyResult } from './lookup.ts';

export interface LdapDirectoryOptions {
  config: LdapBackendConfig;
  /** The configuration file, named in errors about the files the backend reads. */
  configFile: string;
  /** Nested groups are followed this deep (directory.expansion.maxDepth). */
  maxDepth: number;
  /** A group stops being read past this many members (directory.expansion.maxRecipients). */
  maxMembers: number;
  logger: Logger;
}

/** An attribute's values; names compare without case, as LDAP's do. */
function valuesOf(entry: Entry, attribute: string): string[] {
  const wanted = attribute.toLowerCase();
  const key = Object.keys(entry).find((k) => k.toLowerCase() === wanted);
  const value = key === undefined ? undefined : entry[key];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => v.toString());
}

function readConfigured(configFile: string, key: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(configFile, [`${key}: ${file} cannot be read: ${(err as Error).message}`]);
  }
}

export class LdapDirectory implements DirectoryBackend {
  readonly name: string;
  private readonly server: LdapServer;
  private readonly pool: LdapPool;
  private readonly attributes: string[];

  constructor(private readonly options: LdapDirectoryOptions) {
    const { config, configFile } = options;
    this.name = `ldap ${config.url}`;
    const ca = config.ca === undefined ? undefined : readConfigured(configFile, 'directory.backends[].ca', config.ca);
    const password = config.passwordFile === undefined ? config.password : readConfigured(configFile, 'directory.backends[].passwordFile', config.passwordFile).split('\n')[0]!.trim();
    this.server = { url: config.url, startTls: config.startTls, ca, timeoutMs: config.timeout };
    this.pool = new LdapPool(this.server, config.poolSize, { dn: config.bindDn, password });
    this.attributes = ['objectClass', config.addressAttribute, config.routingAttribute, config.forwardingAttribute, ...config.memberAttributes];
  }

  async lookup(address: string): Promise<Lookup> {
    const filter = fillFilter(this.options.config.filter, address);
    if (filter === undefined) return { kind: 'unknown', source: this.name };
    try {
      const found = await this.search(filter, this.attributes);
      if (found.length === 0) return { kind: 'unknown', source: this.name };
      if (found.length > 1) return this.ambiguous(address, found);
      return { kind: 'found', entry: await this.entryOf(found[0]!, address) };
    } catch (err) {
      return this.unavailable(err, { address });
    }
  }

  async verify(authcid: string, password: string): Promise<VerifyResult> {
    // An empty password is an unauthenticated bind (RFC 4513 §5.1.2) that many servers answer
    // "success": it must never count as knowing the password.
    if (password === '') return 'fail';
    const filter = fillFilter(this.options.config.filter, authcid);
    if (filter === undefined) return 'fail';
    let dn: string;
    try {
      const found = await this.search(filter, ['1.1']);
      if (found.length !== 1) return found.length === 0 ? 'fail' : (this.ambiguous(authcid, found), 'fail');
      dn = found[0]!.dn;
    } catch (err) {
      this.unavailable(err, { user: authcid });
      return 'unavailable';
    }
    try {
      const { client } = await openLdap(this.server, dn, password);
      await client.unbind().catch(() => undefined);
      return 'ok';
    } catch (err) {
      if (err instanceof InvalidCredentialsError) return 'fail';
      this.unavailable(err, { user: authcid, dn });
      return 'unavailable';
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private async search(filter: string, attributes: string[], base = this.options.config.base, scope: 'sub' | 'base' = 'sub'): Promise<Entry[]> {
    const { searchEntries } = await this.pool.run((client) => client.search(base, { scope, filter, attributes, sizeLimit: scope === 'base' ? 1 : 2 }));
    return searchEntries;
  }

  private async entryOf(found: Entry, queried: string): Promise<DirectoryEntry> {
    const { config } = this.options;
    const source = `${this.name} ${found.dn}`;
    const memberDns = config.memberAttributes.flatMap((a) => valuesOf(found, a));
    const mailHost = valuesOf(found, config.routingAttribute)[0];
    const forwards = valuesOf(found, config.forwardingAttribute);
    if (memberDns.length > 0) {
      const members = await this.membersOf(memberDns, 1, new Set([found.dn.toLowerCase()]));
      return { address: queried, kind: 'group', forwards, members, source };
    }
    const addresses = valuesOf(found, config.addressAttribute);
    const own = addresses.find((a) => a.toLowerCase() === queried.toLowerCase()) ?? addresses[0] ?? queried;
    return { address: own, kind: 'user', forwards, members: [], ...(mailHost === undefined ? {} : { mailHost }), source };
  }

  /** The addresses of a group's members, nested groups followed to maxDepth; a DN seen before (a loop) is skipped. */
  private async membersOf(dns: string[], depth: number, seen: Set<string>): Promise<string[]> {
    const { config, logger, maxDepth, maxMembers } = this.options;
    const fresh = dns.filter((dn) => !seen.has(dn.toLowerCase()));
    for (const dn of fresh) seen.add(dn.toLowerCase());
    const entries = await Promise.all(
      fresh.map(async (dn) => {
        try {
          return (await this.search('(objectClass=*)', this.attributes, dn, 'base'))[0];
        } catch (err) {
          if (!(err instanceof NoSuchObjectError)) throw err;
          logger.warn({ backend: this.name, member: dn }, 'group member does not exist; skipped');
          return undefined;
        }
      }),
    );
    const addresses: string[] = [];
    for (const entry of entries) {
      if (!entry || addresses.length > maxMembers) continue;
      const nested = config.memberAttributes.flatMap((a) => valuesOf(entry, a));
      if (nested.length === 0) {
        const address = valuesOf(entry, config.addressAttribute)[0];
        if (address === undefined) logger.warn({ backend: this.name, member: entry.dn }, `group member has no ${config.addressAttribute}; skipped`);
        else addresses.push(address);
      } else if (depth >= maxDepth) {
        logger.warn({ backend: this.name, group: entry.dn, maxDepth }, 'nested group deeper than directory.expansion.maxDepth; not followed');
      } else {
        addresses.push(...(await this.membersOf(nested, depth + 1, seen)));
      }
    }
    return addresses;
  }

  private ambiguous(address: string, found: Entry[]): Lookup {
    const reason = `${found.length > 1 ? 'more than one entry' : 'entries'} match ${address}: ${found.map((e) => e.dn).join('; ')}`;
    this.options.logger.error({ backend: this.name, address, entries: found.map((e) => e.dn) }, 'directory entries are ambiguous: fix the directory or the filter');
    return { kind: 'unavailable', reason, source: this.name };
  }

  private unavailable(err: unknown, details: Record<string, string>): Lookup {
    const reason = (err as Error).message.split('\n')[0]!;
    this.options.logger.warn({ backend: this.name, ...details, err: reason }, 'directory backend cannot answer');
    return { kind: 'unavailable', reason, source: this.name };
  }
}
