// A stream of some bytes followed by another stream: a message with header fields put in front,
// without copying the message.
import { Readable } from 'node:stream';

export function prefixedStream(prefix: Buffer, rest: NodeJS.ReadableStream): Readable {
  return Readable.from(
    (async function* () {
      yield prefix;
      for await (const chunk of rest) yield chunk as Buffer;
    })(),
  );
}
