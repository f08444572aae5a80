// RDATA from named fields into wire form, driven by the descriptor table. Values of the wrong
// shape are refused with the field's name, since they come from code, zone files or updates.

import { ipv4ToBytes, ipv6ToBytes } from './addresses.ts';
import { WireError } from './errors.ts';
import type { RData, RDataValue } from './model.ts';
import { descriptorOf, typeToText, type FieldDescriptor } from './rrtypes.ts';
import { typeBitmapToWire } from './typebitmap.ts';
import type { WireWriter } from './writer.ts';

function bad(type: number, field: string, expected: string): WireError {
  return new WireError('BAD_RDATA', `${typeToText(type)} ${field}: expected ${expected}`);
}

function integer(type: number, field: string, value: RDataValue | undefined, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw bad(type, field, `an integer 0..${max}`);
  }
  return value;
}

function octets(type: number, field: string, value: RDataValue | undefined, maxLength = 0xffff): Buffer {
  if (!Buffer.isBuffer(value) || value.length > maxLength) throw bad(type, field, `octets (at most ${maxLength})`);
  return value;
}

function characterString(w: WireWriter, type: number, field: string, value: RDataValue | undefined): void {
  const s = octets(type, field, value, 255);
  w.u8(s.length);
  w.bytes(s);
}

/** True when the record carries no RDATA: RFC 2136 updates and prerequisites of class ANY/NONE. */
export function isEmptyRdata(data: RData): boolean {
  for (const _ in data) return false;
  return true;
}

/** Writes the fields of `data` (RDLENGTH is the caller's); `compress` enables pointers where
 *  the type's descriptor allows them on output. */
export function writeRdata(w: WireWriter, type: number, data: RData, compress: boolean): void {
  const descriptor = descriptorOf(type);
  if (!descriptor) {
    w.bytes(octets(type, 'raw', data.raw));
    return;
  }
  for (const field of descriptor.fields) writeField(w, type, field, data[field.name], compress);
}

function writeField(w: WireWriter, type: number, field: FieldDescriptor, value: RDataValue | undefined, compress: boolean): void {
  switch (field.kind) {
    case 'u8':
      w.u8(integer(type, field.name, value, 0xff));
      return;
    case 'u16':
    case 'rrtype':
      w.u16(integer(type, field.name, value, 0xffff));
      return;
    case 'u32':
    case 'period':
    case 'time':
      w.u32(integer(type, field.name, value, 0xffffffff));
      return;
    case 'u48':
      w.u48(integer(type, field.name, value, 0xffffffffffff));
      return;
    case 'name':
      if (typeof value !== 'string') throw bad(type, field.name, 'a domain name');
      w.name(value, compress && field.compression === 'both');
      return;
    case 'ipv4': {
      const at = w.pos;
      w.u32(0);
      if (typeof value !== 'string' || !ipv4ToBytes(value, w.buf, at)) throw bad(type, field.name, 'an IPv4 address');
      return;
    }
    case 'ipv6': {
      const at = w.pos;
      w.u32(0);
      w.u32(0);
      w.u32(0);
      w.u32(0);
      if (typeof value !== 'string' || !ipv6ToBytes(value, w.buf, at)) throw bad(type, field.name, 'an IPv6 address');
      return;
    }
    case 'string':
      characterString(w, type, field.name, value);
      return;
    case 'strings':
      if (!Array.isArray(value) || value.length === 0) throw bad(type, field.name, 'one or more character-strings');
      for (const s of value) characterString(w, type, field.name, s);
      return;
    case 'base64':
    case 'hex':
    case 'rest':
    case 'raw':
      w.bytes(octets(type, field.name, value));
      return;
    case 'hexlen8':
    case 'base32len8':
      characterString(w, type, field.name, value);
      return;
    case 'base64len16': {
      const s = octets(type, field.name, value);
      w.u16(s.length);
      w.bytes(s);
      return;
    }
    case 'typebitmap':
      if (!Array.isArray(value) || !value.every((t) => typeof t === 'number' && Number.isInteger(t) && t >= 0 && t <= 0xffff)) {
        throw bad(type, field.name, 'a list of types');
      }
      w.bytes(typeBitmapToWire(value as number[]));
      return;
    case 'caatag':
      if (typeof value !== 'string' || !/^[A-Za-z0-9]{1,255}$/.test(value)) throw bad(type, field.name, 'a tag of letters and digits');
      w.u8(value.length);
      w.bytes(Buffer.from(value, 'latin1'));
      return;
  }
}
