// What a directory says about an address. Three answers, never two: "unavailable" is kept apart
// from "unknown", so a backend that cannot answer makes the reply 4xx and never "no such user".

/** What an address is in the directory. */
export interface DirectoryEntry {
  /** Where mail for it goes: the entry's own address (an alias is answered with the address it stands for). */
  address: string;
  /** 'group': a distribution list, delivered to its members; 'user': a mailbox (or only a forward). */
  kind: 'user' | 'group';
  /** Addresses the mail is forwarded to instead (mailForwardingAddress); empty when none. */
  forwards: string[];
  /** A group's members (already resolved to addresses, nested groups flattened); empty for a user. */
  members: string[];
  /** The internal mail host of this recipient (mailHost), overriding the domain's route host. */
  mailHost?: string;
  /** Which backend answered and, for LDAP, from which entry: shown by `postern directory lookup`. */
  source: string;
}

export type Lookup =
  | { kind: 'found'; entry: DirectoryEntry }
  | { kind: 'unknown'; source: string }
  | { kind: 'unavailable'; reason: string; source: string };

export type VerifyResult = 'ok' | 'fail' | 'unavailable';

/** One backend (file, ldap). */
export interface DirectoryBackend {
  /** "ldap ldap://10.0.0.5:389" or "file /etc/postern/users.yaml". */
  readonly name: string;
  lookup(address: string): Promise<Lookup>;
  verify(authcid: string, password: string): Promise<VerifyResult>;
  close(): Promise<void>;
}
