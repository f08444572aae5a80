// Bearer tokens: the one from admin.token or admin.tokenFile (named "admin") and the named
// ones. Compared in constant time: digests of equal length, every token compared every time.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/errors.ts';

export interface NamedToken {
  name: string;
  token: string;
}

export interface TokenSettings {
  token?: string;
  tokenFile?: string;
  tokens: NamedToken[];
}

/** The tokens to accept; a tokenFile that cannot be read is a configuration error naming the key. */
export function loadTokens(settings: TokenSettings, configFile: string): NamedToken[] {
  const tokens = [...settings.tokens];
  if (settings.token !== undefined) tokens.unshift({ name: 'admin', token: settings.token });
  if (settings.tokenFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(settings.tokenFile, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(configFile, [`admin.tokenFile: cannot read ${settings.tokenFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; create it with e.g. "openssl rand -hex 24 > ${settings.tokenFile}"`]);
    }
    if (text === '') throw new ConfigError(configFile, [`admin.tokenFile: ${settings.tokenFile} is empty; write a token into it, e.g. "openssl rand -hex 24 > ${settings.tokenFile}"`]);
    tokens.unshift({ name: 'admin', token: text });
  }
  return tokens;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export class TokenCheck {
  private readonly digests: Array<{ name: string; digest: Buffer }>;

  constructor(tokens: readonly NamedToken[]) {
    this.digests = tokens.map((t) => ({ name: t.name, digest: digest(t.token) }));
  }

  /** The token's name for an "Authorization: Bearer …" header; undefined for none or a wrong one. */
  nameFor(authorization: string | undefined): string | undefined {
    const presented = /^Bearer ([\x21-\x7e]+)$/.exec(authorization ?? '')?.[1];
    const given = digest(presented ?? '');
    let found: string | undefined;
    for (const { name, digest: known } of this.digests) {
      if (timingSafeEqual(given, known) && presented !== undefined) found ??= name;
    }
    return found;
  }
}
