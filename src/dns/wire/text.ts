// The presentation (master file) form of RDATA, driven by the same descriptor table as the
// wire codec. Tokens arrive as the zone tokenizer cut them: escapes not yet decoded, with a
// flag for double quotes. Every type also takes the RFC 3597 generic form "\# <len> <hex>".

import { parseTtl } from '../zone/ttl.ts';
import { ipv4FromBytes, ipv4ToBytes, ipv6FromBytes, ipv6ToBytes } from './addresses.ts';
import { base32hexDecode, base32hexEncode } from './base32hex.ts';
import { rdataFromWire } from './decode.ts';
import { rdataToWire } from './encode.ts';
import { NameError, WireError } from './errors.ts';
import type { RData, RDataValue, ResourceRecord } from './model.ts';
import { nameFromText, nameToText } from './names.ts';
import { isEmptyRdata } from './rdata-encode.ts';
import { classToText, descriptorOf, typeFromText, typeToText, type FieldDescriptor } from './rrtypes.ts';

export interface RdataToken {
  /** As written, backslash escapes not decoded, without the quotes. */
  value: string;
  quoted: boolean;
}

/** RDATA text that does not fit its type; the message names the type and field. */
export class RdataTextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RdataTextError';
  }
}

const MAX_CHARACTER_STRING = 255;
const BACKSLASH = 0x5c;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Decodes \DDD and \X escapes; non-ASCII characters become their UTF-8 octets. */
function decodeEscapes(text: string): Buffer | undefined {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c === BACKSLASH) {
      if (++i >= text.length) return undefined;
      c = text.charCodeAt(i);
      if (isDigit(c)) {
        if (!isDigit(text.charCodeAt(i + 1)) || !isDigit(text.charCodeAt(i + 2))) return undefined;
        c = Number(text.slice(i, i + 3));
        if (c > 255) return undefined;
        i += 2;
        out.push(c);
        continue;
      }
    }
    if (c > 0x7f) {
      const codePoint = text.codePointAt(i)!;
      if (codePoint > 0xffff) i++;
      out.push(...Buffer.from(String.fromCodePoint(codePoint), 'utf8'));
    } else {
      out.push(c);
    }
  }
  return Buffer.from(out);
}

/** A character-string in double quotes: quote and backslash escaped, non-printables as \DDD. */
function quote(data: Buffer): string {
  let text = '"';
  for (const b of data) {
    if (b < 0x20 || b >= 0x7f) text += '\\' + String(b).padStart(3, '0');
    else if (b === 0x22 || b === BACKSLASH) text += '\\' + String.fromCharCode(b);
    else text += String.fromCharCode(b);
  }
  return text + '"';
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEX = /^(?:[0-9A-Fa-f]{2})*$/;
const DIGITS = /^[0-9]+$/;
const TIMESTAMP = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

class Fields {
  private index = 0;

  constructor(
    private readonly type: number,
    private readonly tokens: readonly RdataToken[],
    private readonly origin: string,
  ) {}

  fail(field: string, problem: string): never {
    throw new RdataTextError(`${typeToText(this.type)} ${field}: ${problem}`);
  }

  /** The first token not yet read. */
  get upcoming(): RdataToken | undefined {
    return this.tokens[this.index];
  }

  get done(): boolean {
    return this.index >= this.tokens.length;
  }

  next(field: string, what: string): RdataToken {
    const token = this.tokens[this.index++];
    if (token === undefined) this.fail(field, `expected ${what}, got the end of the record`);
    return token;
  }

  unquoted(field: string, what: string): string {
    const token = this.next(field, what);
    if (token.quoted) this.fail(field, `expected ${what}, got the quoted string "${token.value}"`);
    return token.value;
  }

  /** The remaining tokens joined, for fields that run to the end of RDATA (base64, hex). */
  rest(field: string, what: string): string {
    if (this.done) this.fail(field, `expected ${what}, got the end of the record`);
    let text = '';
    while (!this.done) text += this.unquoted(field, what);
    return text;
  }

  integer(field: string, max: number): number {
    const text = this.unquoted(field, `a number 0..${max}`);
    if (!DIGITS.test(text) || Number(text) > max) this.fail(field, `expected a number 0..${max}, got "${text}"`);
    return Number(text);
  }

  read(field: FieldDescriptor): RDataValue {
    const { name } = field;
    switch (field.kind) {
      case 'u8':
        return this.integer(name, 0xff);
      case 'u16':
        return this.integer(name, 0xffff);
      case 'u32':
        return this.integer(name, 0xffffffff);
      case 'u48':
        return this.integer(name, 0xffffffffffff);
      case 'period': {
        const text = this.unquoted(name, 'a number of seconds');
        const seconds = parseTtl(text);
        if (seconds === undefined) this.fail(name, `expected a number of seconds (units w d h m s allowed), got "${text}"`);
        return seconds;
      }
      case 'name': {
        const text = this.unquoted(name, 'a domain name');
        try {
          return nameFromText(text, this.origin);
        } catch (err) {
          if (err instanceof NameError) this.fail(name, `expected a domain name, got "${text}" (${err.message})`);
          throw err;
        }
      }
      case 'ipv4': {
        const text = this.unquoted(name, 'an IPv4 address');
        const bytes = Buffer.alloc(4);
        if (!ipv4ToBytes(text, bytes, 0)) this.fail(name, `expected an IPv4 address, got "${text}"`);
        return ipv4FromBytes(bytes, 0);
      }
      case 'ipv6': {
        const text = this.unquoted(name, 'an IPv6 address');
        const bytes = Buffer.alloc(16);
        if (!ipv6ToBytes(text, bytes, 0)) this.fail(name, `expected an IPv6 address, got "${text}"`);
        return ipv6FromBytes(bytes, 0);
      }
      case 'string':
        return this.characterString(name);
      case 'strings': {
        const strings = [this.characterString(name)];
        while (!this.done) strings.push(this.characterString(name));
        return strings;
      }
      case 'base64': {
        const text = this.rest(name, 'base64');
        if (!BASE64.test(text)) this.fail(name, `expected base64, got "${text}"`);
        return Buffer.from(text, 'base64');
      }
      case 'hex': {
        const text = this.rest(name, 'hex digits');
        if (!HEX.test(text)) this.fail(name, `expected an even number of hex digits, got "${text}"`);
        return Buffer.from(text, 'hex');
      }
      case 'hexlen8': {
        const text = this.unquoted(name, 'hex digits or "-"');
        if (text === '-') return Buffer.alloc(0);
        if (!HEX.test(text) || text.length > 2 * MAX_CHARACTER_STRING) this.fail(name, `expected up to 255 octets in hex or "-", got "${text}"`);
        return Buffer.from(text, 'hex');
      }
      case 'base32len8': {
        const text = this.unquoted(name, 'base32hex');
        const data = base32hexDecode(text);
        if (!data || data.length === 0 || data.length > MAX_CHARACTER_STRING) this.fail(name, `expected base32hex, got "${text}"`);
        return data;
      }
      case 'base64len16': {
        const length = this.integer(name, 0xffff);
        if (length === 0) return Buffer.alloc(0);
        const text = this.unquoted(name, 'base64');
        const data = Buffer.from(text, 'base64');
        if (!BASE64.test(text) || data.length !== length) this.fail(name, `expected ${length} octets in base64, got "${text}"`);
        return data;
      }
      case 'typebitmap': {
        const types: number[] = [];
        while (!this.done) {
          const text = this.unquoted(name, 'a record type');
          const type = typeFromText(text);
          if (type === undefined) this.fail(name, `expected a record type, got "${text}"`);
          types.push(type);
        }
        return types.sort((a, b) => a - b);
      }
      case 'rrtype': {
        const text = this.unquoted(name, 'a record type');
        const type = typeFromText(text);
        if (type === undefined) this.fail(name, `expected a record type, got "${text}"`);
        return type;
      }
      case 'time':
        return this.time(name);
      case 'caatag': {
        const text = this.unquoted(name, 'a tag');
        if (!/^[A-Za-z0-9]{1,255}$/.test(text)) this.fail(name, `expected a tag of letters and digits, got "${text}"`);
        return text;
      }
      case 'rest': {
        const token = this.next(name, 'a string');
        const data = decodeEscapes(token.value);
        if (!data) this.fail(name, `broken escape in "${token.value}"`);
        return data;
      }
      case 'raw':
        return this.fail(name, 'has no text form but the generic one');
    }
  }

  private characterString(field: string): Buffer {
    const token = this.next(field, 'a character-string');
    const data = decodeEscapes(token.value);
    if (!data) this.fail(field, `broken escape in "${token.value}"`);
    if (data.length > MAX_CHARACTER_STRING) this.fail(field, `character-string of ${data.length} octets, over 255`);
    return data;
  }

  /** RFC 4034 §3.2: YYYYMMDDHHmmSS in UTC, or plain seconds since the epoch. */
  private time(field: string): number {
    const text = this.unquoted(field, 'a time');
    const stamp = TIMESTAMP.exec(text);
    if (stamp) {
      const [year, month, day, hour, minute, second] = stamp.slice(1).map(Number);
      const ms = Date.UTC(year, month - 1, day, hour, minute, second);
      const date = new Date(ms);
      if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
        this.fail(field, `expected a time YYYYMMDDHHmmSS, got "${text}"`);
      }
      // Serial number arithmetic (RFC 1982): times are kept modulo 2^32.
      return (((ms / 1000) % 0x100000000) + 0x100000000) % 0x100000000;
    }
    if (!DIGITS.test(text) || Number(text) > 0xffffffff) this.fail(field, `expected a time YYYYMMDDHHmmSS or seconds, got "${text}"`);
    return Number(text);
  }
}

function fromGeneric(type: number, tokens: readonly RdataToken[]): RData {
  const fields = new Fields(type, tokens.slice(1), '');
  const length = fields.integer('\\#', 0xffff);
  const hex = length === 0 && fields.done ? '' : fields.rest('\\#', 'hex digits');
  if (!HEX.test(hex) || hex.length !== 2 * length) {
    fields.fail('\\#', `expected ${length} octets in hex, got "${hex}"`);
  }
  if (length === 0) return descriptorOf(type) ? {} : { raw: Buffer.alloc(0) };
  try {
    return rdataFromWire(type, Buffer.from(hex, 'hex'));
  } catch (err) {
    if (err instanceof WireError) fields.fail('\\#', `not a valid ${typeToText(type)} RDATA (${err.message})`);
    throw err;
  }
}

export function rdataFromText(type: number, tokens: RdataToken[], origin: string): RData {
  if (tokens.length > 0 && !tokens[0].quoted && tokens[0].value === '\\#') return fromGeneric(type, tokens);
  const descriptor = descriptorOf(type);
  if (!descriptor) {
    throw new RdataTextError(`${typeToText(type)}: a type without a known text form needs the generic form \\# <length> <hex>`);
  }
  const fields = new Fields(type, tokens, origin);
  const data: RData = {};
  for (const field of descriptor.fields) data[field.name] = fields.read(field);
  const extra = fields.upcoming;
  if (extra) throw new RdataTextError(`${typeToText(type)}: unexpected text after the last field ("${extra.value}")`);
  return data;
}

function generic(wire: Buffer): string {
  return wire.length === 0 ? '\\# 0' : `\\# ${wire.length} ${wire.toString('hex').toUpperCase()}`;
}

function timeToText(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/** The text of one field; undefined when it has none (empty octets at the end of RDATA). */
function fieldToText(field: FieldDescriptor, value: RDataValue): string | undefined {
  switch (field.kind) {
    case 'u8':
    case 'u16':
    case 'u32':
    case 'u48':
    case 'period':
    case 'ipv4':
    case 'ipv6':
    case 'caatag':
      return String(value);
    case 'name':
      return nameToText(value as string);
    case 'string':
    case 'rest':
      return quote(value as Buffer);
    case 'strings':
      return (value as Buffer[]).map(quote).join(' ');
    case 'base64':
      return (value as Buffer).length === 0 ? undefined : (value as Buffer).toString('base64');
    case 'hex':
      return (value as Buffer).length === 0 ? undefined : (value as Buffer).toString('hex').toUpperCase();
    case 'hexlen8':
      return (value as Buffer).length === 0 ? '-' : (value as Buffer).toString('hex').toUpperCase();
    case 'base32len8':
      return base32hexEncode(value as Buffer).toUpperCase();
    case 'base64len16':
      return (value as Buffer).length === 0 ? '0' : `${(value as Buffer).length} ${(value as Buffer).toString('base64')}`;
    case 'typebitmap':
      return (value as number[]).map(typeToText).join(' ');
    case 'rrtype':
      return typeToText(value as number);
    case 'time':
      return timeToText(value as number);
    case 'raw':
      return undefined;
  }
}

export function rdataToText(type: number, data: RData): string {
  const descriptor = descriptorOf(type);
  if (isEmptyRdata(data)) return '\\# 0';
  if (!descriptor) return generic(data.raw as Buffer);
  const parts: string[] = [];
  for (const field of descriptor.fields) {
    const text = fieldToText(field, data[field.name]);
    // A value the presentation form cannot show (empty key, digest…): fall back to RFC 3597.
    if (text === undefined) return generic(rdataToWire(type, data));
    if (text !== '') parts.push(text);
  }
  return parts.join(' ');
}

/** One record as dig prints it: owner, TTL, class, type and RDATA separated by tabs. */
export function recordToText(rr: ResourceRecord): string {
  return `${nameToText(rr.name)}\t${rr.ttl}\t${classToText(rr.class)}\t${typeToText(rr.type)}\t${rdataToText(rr.type, rr.data)}`;
}
