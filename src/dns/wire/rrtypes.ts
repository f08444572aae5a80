// The one table of record types (libknot style): each descriptor lists the RDATA fields in
// wire order. The wire decoder, the wire encoder (with compression legality) and the text
// form (text.ts) are all driven by it, so adding a type means adding one line here.

export const RRType = {
  A: 1,
  NS: 2,
  MD: 3,
  MF: 4,
  CNAME: 5,
  SOA: 6,
  MB: 7,
  MG: 8,
  MR: 9,
  NULL: 10,
  WKS: 11,
  PTR: 12,
  HINFO: 13,
  MINFO: 14,
  MX: 15,
  TXT: 16,
  RP: 17,
  AFSDB: 18,
  X25: 19,
  ISDN: 20,
  RT: 21,
  NSAP: 22,
  SIG: 24,
  KEY: 25,
  PX: 26,
  AAAA: 28,
  LOC: 29,
  NXT: 30,
  SRV: 33,
  NAPTR: 35,
  KX: 36,
  CERT: 37,
  DNAME: 39,
  OPT: 41,
  APL: 42,
  DS: 43,
  SSHFP: 44,
  IPSECKEY: 45,
  RRSIG: 46,
  NSEC: 47,
  DNSKEY: 48,
  DHCID: 49,
  NSEC3: 50,
  NSEC3PARAM: 51,
  TLSA: 52,
  SMIMEA: 53,
  HIP: 55,
  CDS: 59,
  CDNSKEY: 60,
  OPENPGPKEY: 61,
  CSYNC: 62,
  ZONEMD: 63,
  SVCB: 64,
  HTTPS: 65,
  SPF: 99,
  NID: 104,
  L32: 105,
  L64: 106,
  LP: 107,
  EUI48: 108,
  EUI64: 109,
  TKEY: 249,
  TSIG: 250,
  IXFR: 251,
  AXFR: 252,
  MAILB: 253,
  MAILA: 254,
  ANY: 255,
  URI: 256,
  CAA: 257,
} as const;

/** How a field is laid out on the wire and written in text. */
export type FieldKind =
  | 'u8'
  | 'u16'
  | 'u32'
  | 'period' // u32 seconds; text also takes BIND's TTL units ("1h30m"): SOA timers, RRSIG original TTL
  | 'u48' // TSIG time signed, a number (fits 2^53)
  | 'name' // a domain name, model form string
  | 'ipv4' // "192.0.2.1"
  | 'ipv6' // RFC 5952 text
  | 'string' // one character-string (u8 length + octets), Buffer
  | 'strings' // character-strings to the end of RDATA, Buffer[]
  | 'base64' // octets to the end of RDATA, Buffer; text base64, may span tokens
  | 'hex' // octets to the end of RDATA, Buffer; text hex, may span tokens
  | 'hexlen8' // u8 length + octets, Buffer; text hex or "-" when empty (NSEC3 salt)
  | 'base32len8' // u8 length + octets, Buffer; text base32hex (NSEC3 next hashed owner)
  | 'base64len16' // u16 length + octets, Buffer; text "<length> <base64>" (TSIG MAC, other data)
  | 'typebitmap' // NSEC/NSEC3 window bitmaps, number[] sorted ascending
  | 'rrtype' // u16 shown as a type mnemonic
  | 'time' // u32 seconds since the epoch (serial arithmetic), text YYYYMMDDHHmmSS
  | 'caatag' // u8 length + ASCII tag, string
  | 'rest' // octets to the end of RDATA, Buffer; text one quoted string (CAA value, URI target)
  | 'raw'; // the whole RDATA, Buffer: the RFC 3597 form of types without a descriptor

/** Where a name field may use compression pointers. */
export type NameCompression =
  | 'both' // RFC 1035 well-known types: compressed on output, decompressed on input
  | 'input' // RFC 3597 §4: never compressed on output, but decompressed when a peer did
  | 'none'; // never (SRV, RRSIG signer, NSEC next, TSIG algorithm…): a pointer is an error

export interface FieldDescriptor {
  name: string;
  kind: FieldKind;
  /** Only for kind 'name'. */
  compression?: NameCompression;
}

export interface RRDescriptor {
  type: number;
  mnemonic: string;
  fields: readonly FieldDescriptor[];
}

const f = (name: string, kind: FieldKind): FieldDescriptor => ({ name, kind });
const n = (name: string, compression: NameCompression): FieldDescriptor => ({ name, kind: 'name', compression });

const dnskeyFields = [f('flags', 'u16'), f('protocol', 'u8'), f('algorithm', 'u8'), f('publicKey', 'base64')];
const dsFields = [f('keyTag', 'u16'), f('algorithm', 'u8'), f('digestType', 'u8'), f('digest', 'hex')];
const tlsaFields = [f('usage', 'u8'), f('selector', 'u8'), f('matchingType', 'u8'), f('certificateData', 'hex')];

const descriptorList: RRDescriptor[] = [
  { type: RRType.A, mnemonic: 'A', fields: [f('address', 'ipv4')] },
  { type: RRType.NS, mnemonic: 'NS', fields: [n('nsdname', 'both')] },
  { type: RRType.CNAME, mnemonic: 'CNAME', fields: [n('target', 'both')] },
  {
    type: RRType.SOA,
    mnemonic: 'SOA',
    fields: [
      n('mname', 'both'),
      n('rname', 'both'),
      f('serial', 'u32'),
      f('refresh', 'period'),
      f('retry', 'period'),
      f('expire', 'period'),
      f('minimum', 'period'),
    ],
  },
  { type: RRType.PTR, mnemonic: 'PTR', fields: [n('ptrdname', 'both')] },
  { type: RRType.HINFO, mnemonic: 'HINFO', fields: [f('cpu', 'string'), f('os', 'string')] },
  { type: RRType.MX, mnemonic: 'MX', fields: [f('preference', 'u16'), n('exchange', 'both')] },
  { type: RRType.TXT, mnemonic: 'TXT', fields: [f('strings', 'strings')] },
  { type: RRType.RP, mnemonic: 'RP', fields: [n('mbox', 'input'), n('txt', 'input')] },
  { type: RRType.AFSDB, mnemonic: 'AFSDB', fields: [f('subtype', 'u16'), n('hostname', 'input')] },
  { type: RRType.KEY, mnemonic: 'KEY', fields: dnskeyFields },
  { type: RRType.AAAA, mnemonic: 'AAAA', fields: [f('address', 'ipv6')] },
  {
    type: RRType.SRV,
    mnemonic: 'SRV',
    fields: [f('priority', 'u16'), f('weight', 'u16'), f('port', 'u16'), n('target', 'input')],
  },
  {
    type: RRType.NAPTR,
    mnemonic: 'NAPTR',
    fields: [
      f('order', 'u16'),
      f('preference', 'u16'),
      f('flags', 'string'),
      f('services', 'string'),
      f('regexp', 'string'),
      n('replacement', 'input'),
    ],
  },
  // RFC 6672 §2.5: never sent compressed, but receivers must decompress.
  { type: RRType.DNAME, mnemonic: 'DNAME', fields: [n('target', 'input')] },
  { type: RRType.DS, mnemonic: 'DS', fields: dsFields },
  {
    type: RRType.SSHFP,
    mnemonic: 'SSHFP',
    fields: [f('algorithm', 'u8'), f('fingerprintType', 'u8'), f('fingerprint', 'hex')],
  },
  {
    type: RRType.RRSIG,
    mnemonic: 'RRSIG',
    fields: [
      f('typeCovered', 'rrtype'),
      f('algorithm', 'u8'),
      f('labels', 'u8'),
      f('originalTtl', 'period'),
      f('expiration', 'time'),
      f('inception', 'time'),
      f('keyTag', 'u16'),
      n('signerName', 'none'),
      f('signature', 'base64'),
    ],
  },
  { type: RRType.NSEC, mnemonic: 'NSEC', fields: [n('next', 'none'), f('types', 'typebitmap')] },
  { type: RRType.DNSKEY, mnemonic: 'DNSKEY', fields: dnskeyFields },
  {
    type: RRType.NSEC3,
    mnemonic: 'NSEC3',
    fields: [
      f('hashAlgorithm', 'u8'),
      f('flags', 'u8'),
      f('iterations', 'u16'),
      f('salt', 'hexlen8'),
      f('nextHashed', 'base32len8'),
      f('types', 'typebitmap'),
    ],
  },
  {
    type: RRType.NSEC3PARAM,
    mnemonic: 'NSEC3PARAM',
    fields: [f('hashAlgorithm', 'u8'), f('flags', 'u8'), f('iterations', 'u16'), f('salt', 'hexlen8')],
  },
  { type: RRType.TLSA, mnemonic: 'TLSA', fields: tlsaFields },
  { type: RRType.SMIMEA, mnemonic: 'SMIMEA', fields: tlsaFields },
  { type: RRType.CDS, mnemonic: 'CDS', fields: dsFields },
  { type: RRType.CDNSKEY, mnemonic: 'CDNSKEY', fields: dnskeyFields },
  { type: RRType.OPENPGPKEY, mnemonic: 'OPENPGPKEY', fields: [f('publicKey', 'base64')] },
  { type: RRType.SPF, mnemonic: 'SPF', fields: [f('strings', 'strings')] },
  { type: RRType.URI, mnemonic: 'URI', fields: [f('priority', 'u16'), f('weight', 'u16'), f('target', 'rest')] },
  { type: RRType.CAA, mnemonic: 'CAA', fields: [f('flags', 'u8'), f('tag', 'caatag'), f('value', 'rest')] },
  {
    type: RRType.TSIG,
    mnemonic: 'TSIG',
    fields: [
      n('algorithm', 'none'),
      f('timeSigned', 'u48'),
      f('fudge', 'u16'),
      f('mac', 'base64len16'),
      f('originalId', 'u16'),
      f('error', 'u16'),
      f('otherData', 'base64len16'),
    ],
  },
];

const descriptors = new Map<number, RRDescriptor>(descriptorList.map((d) => [d.type, d]));

const mnemonicByType = new Map<number, string>(Object.entries(RRType).map(([k, v]) => [v, k]));
const typeByMnemonic = new Map<string, number>(Object.entries(RRType).map(([k, v]) => [k, v]));

export function descriptorOf(type: number): RRDescriptor | undefined {
  return descriptors.get(type);
}

export function typeToText(type: number): string {
  return mnemonicByType.get(type) ?? `TYPE${type}`;
}

/** Parses a number written after a prefix (TYPEnnn, CLASSnnn) in 0..65535, or undefined. */
function parseGenericNumber(s: string, prefix: string): number | undefined {
  if (s.length <= prefix.length || s.length > prefix.length + 5) return undefined;
  if (s.slice(0, prefix.length).toUpperCase() !== prefix) return undefined;
  const digits = s.slice(prefix.length);
  if (!/^[0-9]+$/.test(digits)) return undefined;
  const value = Number(digits);
  return value <= 0xffff ? value : undefined;
}

export function typeFromText(s: string): number | undefined {
  return typeByMnemonic.get(s.toUpperCase()) ?? parseGenericNumber(s, 'TYPE');
}

const classNames: ReadonlyMap<number, string> = new Map([
  [1, 'IN'],
  [3, 'CH'],
  [4, 'HS'],
  [254, 'NONE'],
  [255, 'ANY'],
]);
// BIND also reads the long names of the two historical classes.
const classByName = new Map<string, number>([...[...classNames].map(([k, v]): [string, number] => [v, k]), ['CHAOS', 3], ['HESIOD', 4]]);

export function classToText(c: number): string {
  return classNames.get(c) ?? `CLASS${c}`;
}

export function classFromText(s: string): number | undefined {
  return classByName.get(s.toUpperCase()) ?? parseGenericNumber(s, 'CLASS');
}
