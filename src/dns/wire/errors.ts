// Typed failures of the codec. A server maps any WireError in a request to FORMERR
// (or drops the packet when not even the header could be read); nothing here may crash it.

export type WireErrorCode =
  | 'TRUNCATED' // the data ends before the header, a count, a field or a name says it should
  | 'BAD_POINTER' // a compression pointer points at or after itself, or where it is not allowed
  | 'POINTER_LOOP' // a compression pointer points back into the name it belongs to
  | 'LABEL_TOO_LONG' // a label over 63 octets (only reachable when encoding a model name)
  | 'NAME_TOO_LONG' // a name over 255 octets in wire form
  | 'BAD_NAME' // a model-form name with an empty label or a broken escape (only when encoding)
  | 'BAD_LABEL_TYPE' // label type 0b01 or 0b10 (extended / bit-string labels, never deployed)
  | 'BAD_RDATA' // RDATA that does not fit its type's descriptor
  | 'RDATA_LENGTH' // RDLENGTH disagrees with the fields the type's descriptor reads
  | 'TRAILING_DATA' // bytes after the last record (only when the caller asks to reject them)
  | 'BAD_OPT' // an OPT record that breaks RFC 6891 §6.1.1
  | 'TOO_LARGE'; // a message or RDATA that cannot fit 65535 octets

export class WireError extends Error {
  constructor(
    readonly code: WireErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'WireError';
  }
}

/** A name in presentation (text) form that is not a valid domain name. */
export class NameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NameError';
  }
}
