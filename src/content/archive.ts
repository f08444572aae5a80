// The listing of a zip attachment: the names and real types inside, whether any entry is
// encrypted (its content cannot be inspected) and whether the declared sizes make it a
// decompression bomb. Only the first bytes of each entry are inflated, so a bomb costs nothing.
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { fileFacts, HEAD_BYTES, type FileFacts } from './file-facts.ts';

/** Entries listed; a zip with more is listed this far (the rest is unpacked-size only). */
const MAX_ENTRIES = 1000;

export interface ArchiveListing {
  entries: FileFacts[];
  /** Some entry is encrypted (general purpose bit 0): its content is out of our sight. */
  encrypted: boolean;
  /** The uncompressed sizes the entries declare, summed. */
  unpackedSize: number;
  /** The zip could not be read (corrupt, truncated): inspected by its own type only. */
  unreadable?: string;
}

export async function listZip(zip: Buffer, maxUnpackedSize: number): Promise<ArchiveListing> {
  const listing: ArchiveListing = { entries: [], encrypted: false, unpackedSize: 0 };
  let file: yauzl.ZipFile | undefined;
  try {
    file = await yauzl.fromBufferPromise(zip, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false });
    const zipFile = file;
    for (let n = 0; n < zipFile.entryCount; n++) {
      const entry = await nextEntry(zipFile);
      if (!entry) break;
      listing.unpackedSize += entry.uncompressedSize;
      if (listing.unpackedSize > maxUnpackedSize) break;
      if (entry.fileName.endsWith('/')) continue;
      const encrypted = entry.isEncrypted();
      listing.encrypted ||= encrypted;
      if (listing.entries.length >= MAX_ENTRIES) continue;
      const head = encrypted ? Buffer.alloc(0) : await entryHead(zipFile, entry);
      listing.entries.push(await fileFacts({ name: entry.fileName, head }));
    }
  } catch (err) {
    listing.unreadable = (err as Error).message;
  } finally {
    file?.close();
  }
  return listing;
}

/** The next entry; undefined when the zip ends sooner than its directory said. */
function nextEntry(file: yauzl.ZipFile): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    const settle = () => {
      file.off('entry', onEntry);
      file.off('end', onEnd);
      file.off('error', onError);
    };
    const onEntry = (entry: yauzl.Entry) => (settle(), resolve(entry));
    const onEnd = () => (settle(), resolve(undefined));
    const onError = (err: Error) => (settle(), reject(err));
    file.on('entry', onEntry);
    file.on('end', onEnd);
    file.on('error', onError);
    file.readEntry();
  });
}

async function entryHead(file: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  if (entry.uncompressedSize === 0) return Buffer.alloc(0);
  let stream: Readable;
  try {
    stream = await file.openReadStreamPromise(entry);
  } catch {
    return Buffer.alloc(0);
  }
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      length += (chunk as Buffer).length;
      if (length >= HEAD_BYTES) break;
    }
  } catch {
    // A damaged entry: what was read is what we judge.
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, HEAD_BYTES);
}
