// The users file of the `file` directory backend, a YAML map:
//   users:
//     alice@example.test: { password: "$scrypt$N=16384,r=8,p=1$…$…", aliases: [ a.smith@example.test ], mailHost: 10.0.0.26 }
//     info@example.test: { forward: [ alice@example.test, bob@partner.example ] }   # no password: receives mail, cannot AUTH
//   groups:
//     team@example.test: [ alice@example.test, info@example.test ]
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { passwordHashProblem } from './password-hash.ts';
import { canonicalAddress } from './user-address.ts';

export interface DirectoryUser {
  /** As written in the file (domain lower-cased). */
  address: string;
  /** Undefined for a user who receives mail but cannot authenticate. */
  passwordHash?: string;
  aliases: string[];
  /** Where the mail goes instead (the user's own address among them keeps a copy). */
  forward: string[];
  /** The internal mail host of this user. */
  mailHost?: string;
}

export interface UserTable {
  /** Users by canonical address. */
  users: Map<string, DirectoryUser>;
  /** Canonical alias → canonical user address. */
  aliases: Map<string, string>;
  /** Distribution lists: canonical group address → member addresses. */
  groups: Map<string, string[]>;
}

/** A users file that cannot be used; each problem starts with "line N:". */
export class UserFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.join('; ')}`);
    this.name = 'UserFileError';
  }
}

export function parseUserFile(file: string, text: string): UserTable {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const problems: string[] = [];
  const at = (node: Node | null | undefined): string => `line ${node?.range ? lines.linePos(node.range[0]).line : 1}`;
  for (const err of doc.errors) problems.push(`line ${err.linePos?.[0].line ?? 1}: ${err.message.split('\n')[0]}`);
  const table: UserTable = { users: new Map(), aliases: new Map(), groups: new Map() };
  if (problems.length) throw new UserFileError(file, problems);

  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return table;
  if (!isMap(root)) throw new UserFileError(file, [`${at(root)}: expected a map with a "users" key`]);
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key !== 'users' && key !== 'groups') problems.push(`${at(pair.key as Node)}: unknown key "${key}" (expected "users" or "groups")`);
  }
  const users = root.get('users', true) as Node | undefined;
  if (users !== undefined && !(isScalar(users) && users.value === null)) {
    if (!isMap(users)) throw new UserFileError(file, [`${at(users)}: "users" must be a map of address → { password, aliases }`]);
    for (const pair of users.items) readUser(pair.key as Node, pair.value as Node | null, table, problems, at);
  }
  const groups = root.get('groups', true) as Node | undefined;
  if (groups !== undefined && !(isScalar(groups) && groups.value === null)) {
    if (!isMap(groups)) throw new UserFileError(file, [`${at(groups)}: "groups" must be a map of address → [ member addresses ]`]);
    for (const pair of groups.items) readGroup(pair.key as Node, pair.value as Node | null, table, problems, at);
  }
  if (problems.length) throw new UserFileError(file, problems);
  return table;
}

function readUser(keyNode: Node, value: Node | null, table: UserTable, problems: string[], at: (n: Node | null | undefined) => string): void {
  const written = isScalar(keyNode) ? String(keyNode.value) : '';
  const address = canonicalAddress(written);
  if (!address) return void problems.push(`${at(keyNode)}: "${written}" is not a user address (local@domain)`);
  if (table.users.has(address) || table.aliases.has(address)) return void problems.push(`${at(keyNode)}: ${address} is listed twice`);
  if (!isMap(value)) return void problems.push(`${at(value ?? keyNode)}: ${address} needs { password: "$scrypt$…" } (or { forward: [ … ] } for a user who only receives mail)`);
  for (const pair of value.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!['password', 'aliases', 'forward', 'mailHost'].includes(key)) problems.push(`${at(pair.key as Node)}: unknown key "${key}" for ${address} (expected password, aliases, forward, mailHost)`);
  }
  const password = value.get('password', true) as Node | undefined;
  const hash = isScalar(password) && typeof password.value === 'string' ? password.value : undefined;
  const hashProblem = password === undefined ? undefined : hash === undefined ? 'no password hash' : passwordHashProblem(hash);
  if (hashProblem) problems.push(`${at(password ?? value)}: ${address}: ${hashProblem}`);
  const mailHostNode = value.get('mailHost', true) as Node | undefined;
  const mailHost = isScalar(mailHostNode) && typeof mailHostNode.value === 'string' && mailHostNode.value !== '' ? mailHostNode.value : undefined;
  if (mailHostNode !== undefined && mailHost === undefined) problems.push(`${at(mailHostNode)}: mailHost of ${address} must be a host name or IP address`);
  const forward = addressList(value.get('forward', true) as Node | undefined, `forward of ${address}`, problems, at);

  const aliases: string[] = [];
  const aliasNode = value.get('aliases', true) as Node | undefined;
  if (aliasNode !== undefined && !isSeq(aliasNode)) problems.push(`${at(aliasNode)}: aliases of ${address} must be a list of addresses`);
  for (const item of isSeq(aliasNode) ? aliasNode.items : []) {
    const alias = isScalar(item) ? canonicalAddress(String(item.value)) : undefined;
    if (!alias) problems.push(`${at(item as Node)}: alias of ${address} is not an address`);
    else if (table.users.has(alias) || table.aliases.has(alias) || alias === address) problems.push(`${at(item as Node)}: ${alias} is listed twice`);
    else {
      table.aliases.set(alias, address);
      aliases.push(alias);
    }
  }
  table.users.set(address, { address, ...(hash === undefined ? {} : { passwordHash: hash }), aliases, forward, ...(mailHost === undefined ? {} : { mailHost }) });
}

function readGroup(keyNode: Node, value: Node | null, table: UserTable, problems: string[], at: (n: Node | null | undefined) => string): void {
  const written = isScalar(keyNode) ? String(keyNode.value) : '';
  const address = canonicalAddress(written);
  if (!address) return void problems.push(`${at(keyNode)}: "${written}" is not a group address (local@domain)`);
  if (table.users.has(address) || table.aliases.has(address) || table.groups.has(address)) return void problems.push(`${at(keyNode)}: ${address} is listed twice`);
  const members = addressList(value ?? undefined, `members of ${address}`, problems, at);
  if (members.length === 0) problems.push(`${at(value ?? keyNode)}: group ${address} needs a list of member addresses`);
  table.groups.set(address, members);
}

function addressList(node: Node | undefined, what: string, problems: string[], at: (n: Node | null | undefined) => string): string[] {
  if (node === undefined) return [];
  if (!isSeq(node)) {
    problems.push(`${at(node)}: ${what} must be a list of addresses`);
    return [];
  }
  const addresses: string[] = [];
  for (const item of node.items) {
    const address = isScalar(item) ? canonicalAddress(String(item.value)) : undefined;
    if (address) addresses.push(address);
    else problems.push(`${at(item as Node)}: ${what}: not an address`);
  }
  return addresses;
}
