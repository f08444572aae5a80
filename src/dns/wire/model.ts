// The DNS data model shared by the codec, the zone store, the server and the resolver.
// Names are kept in presentation form, absolute, without the trailing dot ("" is the root),
// with escapes (\. and \DDD) for octets that are not plain in a label.

export const enum RClass {
  IN = 1,
  CH = 3,
  HS = 4,
  NONE = 254,
  ANY = 255,
}

export const enum Opcode {
  QUERY = 0,
  IQUERY = 1,
  STATUS = 2,
  NOTIFY = 4,
  UPDATE = 5,
}

export const enum Rcode {
  NOERROR = 0,
  FORMERR = 1,
  SERVFAIL = 2,
  NXDOMAIN = 3,
  NOTIMP = 4,
  REFUSED = 5,
  YXDOMAIN = 6,
  YXRRSET = 7,
  NXRRSET = 8,
  NOTAUTH = 9,
  NOTZONE = 10,
  BADVERS = 16,
  BADSIG = 16,
  BADKEY = 17,
  BADTIME = 18,
  BADCOOKIE = 23,
}

/** RDATA as named fields, their names and kinds given by the type's descriptor (rrtypes.ts).
 *  A type without a descriptor (RFC 3597) carries { raw: Buffer }. */
export type RDataValue = number | bigint | string | Buffer | Buffer[] | number[];
export type RData = Record<string, RDataValue>;

export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  data: RData;
}

export interface Question {
  name: string;
  type: number;
  class: number;
}

export interface EdnsOption {
  code: number;
  data: Buffer;
}

export interface Edns {
  udpSize: number;
  extendedRcode: number; // upper 8 bits of the 12-bit rcode
  version: number;
  dnssecOk: boolean;
  options: EdnsOption[];
}

export interface MessageFlags {
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  ad: boolean;
  cd: boolean;
  rcode: number; // full rcode; the upper bits travel in the OPT record
}

export interface Message {
  id: number;
  flags: MessageFlags;
  questions: Question[];
  answers: ResourceRecord[];
  authority: ResourceRecord[];
  additional: ResourceRecord[]; // without the OPT pseudo-record
  edns?: Edns;
}
