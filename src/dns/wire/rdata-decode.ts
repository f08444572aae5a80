// RDATA from wire form into named fields, driven by the descriptor table. Every field is
// bounded by RDLENGTH; octet fields are copied so records never pin a received packet.

import { ipv4FromBytes, ipv6FromBytes } from './addresses.ts';
import { WireError } from './errors.ts';
import type { RData } from './model.ts';
import { readName } from './read-name.ts';
import { descriptorOf, typeToText, type FieldDescriptor } from './rrtypes.ts';
import { typeBitmapFromWire } from './typebitmap.ts';

function short(type: number, field: string): WireError {
  return new WireError('RDATA_LENGTH', `${typeToText(type)} ${field}: RDATA ends before the field does`);
}

function copy(buf: Buffer, start: number, end: number): Buffer {
  return Buffer.from(buf.subarray(start, end));
}

function isAlphanumeric(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i] | 0x20;
    if (!((c >= 0x61 && c <= 0x7a) || (buf[i] >= 0x30 && buf[i] <= 0x39))) return false;
  }
  return true;
}

/**
 * Decodes the RDATA at buf[start, start + length). `inMessage` says whether compression
 * pointers into the rest of `buf` can be meaningful (false for RDATA on its own).
 */
export function readRdata(buf: Buffer, start: number, length: number, type: number, inMessage: boolean): RData {
  const end = start + length;
  if (end > buf.length) throw new WireError('TRUNCATED', `${typeToText(type)} RDATA runs past the data`);
  const descriptor = descriptorOf(type);
  if (!descriptor) return { raw: copy(buf, start, end) };
  const data: RData = {};
  let pos = start;
  for (const field of descriptor.fields) pos = readField(buf, pos, end, type, field, data, inMessage);
  if (pos !== end) {
    throw new WireError('RDATA_LENGTH', `${typeToText(type)}: RDLENGTH ${length} but the fields take ${pos - start}`);
  }
  return data;
}

function readField(
  buf: Buffer,
  pos: number,
  end: number,
  type: number,
  field: FieldDescriptor,
  data: RData,
  inMessage: boolean,
): number {
  const need = (n: number): void => {
    if (pos + n > end) throw short(type, field.name);
  };
  switch (field.kind) {
    case 'u8':
      need(1);
      data[field.name] = buf[pos];
      return pos + 1;
    case 'u16':
    case 'rrtype':
      need(2);
      data[field.name] = (buf[pos] << 8) | buf[pos + 1];
      return pos + 2;
    case 'u32':
    case 'period':
    case 'time':
      need(4);
      data[field.name] = ((buf[pos] << 24) | (buf[pos + 1] << 16) | (buf[pos + 2] << 8) | buf[pos + 3]) >>> 0;
      return pos + 4;
    case 'u48':
      need(6);
      data[field.name] = buf.readUIntBE(pos, 6);
      return pos + 6;
    case 'name': {
      const allowPointers = inMessage && field.compression !== 'none';
      let read;
      try {
        read = readName(buf, pos, allowPointers);
      } catch (err) {
        // Running out of data inside RDATA is the RDLENGTH's fault, whatever lies beyond it.
        if (err instanceof WireError && err.code === 'TRUNCATED') throw short(type, field.name);
        throw err;
      }
      const { name, end: after } = read;
      if (after > end) throw short(type, field.name);
      data[field.name] = name;
      return after;
    }
    case 'ipv4':
      need(4);
      data[field.name] = ipv4FromBytes(buf, pos);
      return pos + 4;
    case 'ipv6':
      need(16);
      data[field.name] = ipv6FromBytes(buf, pos);
      return pos + 16;
    case 'string': {
      need(1);
      const length = buf[pos];
      need(1 + length);
      data[field.name] = copy(buf, pos + 1, pos + 1 + length);
      return pos + 1 + length;
    }
    case 'strings': {
      // At least one string, as BIND requires: an empty TXT RDATA is malformed.
      need(1);
      const strings: Buffer[] = [];
      while (pos < end) {
        const length = buf[pos];
        need(1 + length);
        strings.push(copy(buf, pos + 1, pos + 1 + length));
        pos += 1 + length;
      }
      data[field.name] = strings;
      return pos;
    }
    case 'base64':
    case 'hex':
    case 'rest':
    case 'raw':
      data[field.name] = copy(buf, pos, end);
      return end;
    case 'hexlen8':
    case 'base32len8': {
      need(1);
      const length = buf[pos];
      need(1 + length);
      data[field.name] = copy(buf, pos + 1, pos + 1 + length);
      return pos + 1 + length;
    }
    case 'base64len16': {
      need(2);
      const length = (buf[pos] << 8) | buf[pos + 1];
      need(2 + length);
      data[field.name] = copy(buf, pos + 2, pos + 2 + length);
      return pos + 2 + length;
    }
    case 'typebitmap':
      data[field.name] = typeBitmapFromWire(buf, pos, end);
      return end;
    case 'caatag': {
      need(1);
      const length = buf[pos];
      need(1 + length);
      // RFC 8659 §4.1: a non-empty tag of letters and digits.
      if (length === 0 || !isAlphanumeric(buf, pos + 1, pos + 1 + length)) {
        throw new WireError('BAD_RDATA', `${typeToText(type)} ${field.name}: not a tag of letters and digits`);
      }
      data[field.name] = buf.toString('latin1', pos + 1, pos + 1 + length);
      return pos + 1 + length;
    }
  }
}
