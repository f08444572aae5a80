// One record of every type with a descriptor, in master-file text, shared by the wire tests.
// `canonical` is our text form when it differs from `text` (relative names made absolute,
// units resolved, hex upper-cased, IPv6 shortened…).

import { ZoneTokenizer } from '../../../src/dns/zone/tokenizer.ts';
import type { RdataToken } from '../../../src/dns/wire/text.ts';

export const ORIGIN = 'example.test';

export interface RdataSample {
  type: string;
  text: string;
  canonical?: string;
}

export const RDATA_SAMPLES: RdataSample[] = [
  { type: 'A', text: '192.0.2.1' },
  { type: 'NS', text: 'ns1', canonical: 'ns1.example.test.' },
  { type: 'CNAME', text: 'target.example.' },
  {
    type: 'SOA',
    text: 'ns1 hostmaster 2026112801 1h 15m 1w 300',
    canonical: 'ns1.example.test. hostmaster.example.test. 2026112801 3600 900 604800 300',
  },
  { type: 'PTR', text: 'host.example.' },
  { type: 'HINFO', text: '"PC-Intel" "Linux"' },
  { type: 'MX', text: '10 mx1', canonical: '10 mx1.example.test.' },
  { type: 'TXT', text: '"v=spf1 -all" "quote \\" backslash \\\\ octet \\255" plain' , canonical: '"v=spf1 -all" "quote \\" backslash \\\\ octet \\255" "plain"' },
  { type: 'RP', text: 'admin.example. txt.example.' },
  { type: 'AFSDB', text: '1 afs.example.' },
  { type: 'KEY', text: '256 3 8 AwEAAb8=' },
  { type: 'AAAA', text: '2001:DB8:0:0:0:0:0:1', canonical: '2001:db8::1' },
  { type: 'SRV', text: '0 5 25 smtp.example.' },
  { type: 'NAPTR', text: '100 10 "S" "SIP+D2U" "" _sip._udp.example.' },
  { type: 'DNAME', text: 'other.example.' },
  { type: 'DS', text: '60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118' },
  {
    type: 'SSHFP',
    text: '4 2 123456789abcdef67890123456789abcdef67890123456789abcdef123456789',
    canonical: '4 2 123456789ABCDEF67890123456789ABCDEF67890123456789ABCDEF123456789',
  },
  { type: 'RRSIG', text: 'A 8 2 3600 20261231000000 20261201000000 12345 example. c2lnbmF0dXJl' },
  { type: 'NSEC', text: 'host.example. A MX RRSIG NSEC TYPE1234' },
  {
    type: 'DNSKEY',
    text: '257 3 13 ( mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpV\n XckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ== )',
    canonical: '257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==',
  },
  { type: 'NSEC3', text: '1 1 12 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A RRSIG' },
  { type: 'NSEC3PARAM', text: '1 0 0 -' },
  { type: 'TLSA', text: '3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6' },
  { type: 'SMIMEA', text: '3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6' },
  { type: 'CDS', text: '0 0 0 00' },
  { type: 'CDNSKEY', text: '0 3 0 AA==' },
  { type: 'OPENPGPKEY', text: 'mQINBFit2jsBEADrbl5vjVxYeAE0g0IDYCBpHirv1Sjlqxx5gjtPhb2YhvyDMXjq' },
  { type: 'SPF', text: '"v=spf1 -all"' },
  { type: 'URI', text: '10 1 "ftp://ftp1.example.com/public"' },
  { type: 'CAA', text: '0 issue "letsencrypt.org"' },
  { type: 'TSIG', text: 'hmac-sha256. 1700000000 300 32 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8= 4660 0 0' },
];

/** The RDATA tokens of `text`, cut by the project's own master-file tokenizer. */
export function rdataTokens(text: string): RdataToken[] {
  const entry = new ZoneTokenizer(`x ${text}\n`).next();
  if (!entry) throw new Error(`no tokens in ${text}`);
  return entry.tokens.slice(1).map((t) => ({ value: t.value, quoted: t.quoted }));
}
