// What a file really is, from its first bytes, set against what its name and declared type
// claim. Used alike for MIME parts and for the entries of an archive.
import { fileTypeFromBuffer } from 'file-type';
import { nameFacts } from './file-name.ts';

/** How many leading bytes type detection needs (file-type reads at most a few KB for its checks). */
export const HEAD_BYTES = 4096;

/** Real types that run code when opened. "script" is text with a #! line or a script's extension. */
export const EXECUTABLE_TYPES: ReadonlySet<string> = new Set(['exe', 'elf', 'macho', 'script', 'lnk', 'msi']);

/** Scripts are text: only the name tells Windows to run them. */
const SCRIPT_EXTENSIONS: ReadonlySet<string> = new Set(['js', 'jse', 'vbs', 'vbe', 'wsf', 'wsh', 'ps1', 'psm1', 'bat', 'cmd', 'hta', 'sh', 'py', 'pl']);

/** Extensions Windows (or a Unix desktop) runs, so a name ending in one says "program" openly. */
const EXECUTABLE_EXTENSIONS: ReadonlySet<string> = new Set([...SCRIPT_EXTENSIONS, 'exe', 'scr', 'com', 'pif', 'cpl', 'dll', 'sys', 'msi', 'lnk', 'jar', 'elf', 'bin', 'run', 'app', 'dmg']);

/** Extensions of documents and media: in front of a program's extension they are bait (invoice.pdf.exe), unlike setup.x64.exe. */
const DOCUMENT_EXTENSIONS: ReadonlySet<string> = new Set(['pdf', 'doc', 'docx', 'docm', 'xls', 'xlsx', 'xlsm', 'ppt', 'pptx', 'odt', 'ods', 'odp', 'rtf', 'txt', 'csv', 'htm', 'html', 'xml', 'jpg', 'jpeg', 'png', 'gif', 'bmp', 'tif', 'tiff', 'svg', 'mp3', 'mp4', 'wav', 'avi', 'mov', 'zip', 'rar', '7z', 'eml', 'msg', 'ics']);

/** Declared types a mail client writes for the type file-type names otherwise. */
const MIME_ALIASES: Record<string, string> = { 'image/jpg': 'image/jpeg', 'image/pjpeg': 'image/jpeg', 'application/x-zip-compressed': 'application/zip', 'application/x-pdf': 'application/pdf', 'audio/mp3': 'audio/mpeg' };

/** Other extensions a detected type is known by. */
const EXTENSION_ALIASES: Record<string, readonly string[]> = {
  jpg: ['jpeg', 'jpe', 'jfif'],
  tif: ['tiff'],
  exe: ['dll', 'scr', 'com', 'sys', 'cpl', 'ocx', 'efi', 'pif'],
  zip: ['docx', 'xlsx', 'pptx', 'odt', 'ods', 'odp', 'jar', 'apk', 'epub', 'kmz'],
  cfb: ['doc', 'xls', 'ppt', 'msg', 'msi', 'pub'],
  mp4: ['m4a', 'm4v'],
  gz: ['tgz'],
  xml: ['svg'],
  elf: ['so', 'bin', 'run', 'o'],
  macho: ['dylib', 'bundle', 'app'],
};

/** Declared types that say "program" openly. */
const EXECUTABLE_DECLARED = /^application\/(x-msdownload|x-dosexec|x-ms-dos-executable|x-msdos-program|vnd\.microsoft\.portable-executable|x-executable|x-elf|x-mach-binary|x-sh|x-shellscript|javascript|x-javascript|x-msi|x-ms-installer)$/;

/** Declared types of documents and media: a program declared as one of these is in disguise. */
const HARMLESS_DECLARED = /^(image|audio|video|text)\/|^application\/(pdf|msword|rtf|vnd\.|zip|x-zip)/;

/** Declared types that say nothing about the content. */
const GENERIC_TYPES: ReadonlySet<string> = new Set(['application/octet-stream', 'application/binary', 'application/unknown', 'binary/octet-stream']);

export interface FileFacts {
  name?: string;
  extension?: string;
  declaredType?: string;
  /** From the bytes; "script" also by a script's extension. Undefined when the bytes say nothing (text, unknown). */
  realType?: string;
  executable: boolean;
  /** The real type (from the bytes) contradicts the extension or the declared type. */
  mismatch: boolean;
  /** An executable dressed up as something else: another extension or type, two extensions, or a misleading display name. */
  disguised: boolean;
  /** Why mismatch or disguised, in words for a log line. */
  finding?: string;
}

export async function fileFacts(input: { name?: string; declaredType?: string; head: Buffer }): Promise<FileFacts> {
  const named = input.name === undefined || input.name === '' ? undefined : nameFacts(input.name);
  const extension = named?.extension;
  const declaredType = input.declaredType?.toLowerCase();
  const detected = await detect(input.head);
  const realType = detected?.ext ?? (startsWithShebang(input.head) || (extension !== undefined && SCRIPT_EXTENSIONS.has(extension)) ? 'script' : undefined);
  const executableByName = extension !== undefined && EXECUTABLE_EXTENSIONS.has(extension);
  const executable = (realType !== undefined && EXECUTABLE_TYPES.has(realType)) || executableByName;

  const extensionMismatch = detected !== undefined && extension !== undefined && !extensionFits(detected.ext, extension);
  const declaredMismatch = detected !== undefined && declaredType !== undefined && !GENERIC_TYPES.has(declaredType) && !declaredFits(detected.mime, declaredType);
  const mismatch = extensionMismatch || declaredMismatch;

  const hiddenBy = !executable
    ? undefined
    : named?.misleadingDisplay
      ? 'a name with invisible direction controls'
      : named?.innerExtension !== undefined && DOCUMENT_EXTENSIONS.has(named.innerExtension) && executableByName
        ? `a double extension .${named.innerExtension}.${extension}`
        : extensionMismatch && !executableByName
          ? `a .${extension} name`
          : declaredMismatch && HARMLESS_DECLARED.test(declaredType ?? '') && !EXECUTABLE_DECLARED.test(declaredType ?? '')
            ? `the declared type ${declaredType}`
            : undefined;
  const finding = hiddenBy !== undefined ? `${realType ?? extension} behind ${hiddenBy}` : mismatch ? `${detected?.ext} content declared as ${extensionMismatch ? `.${extension}` : declaredType}` : undefined;
  return { name: named?.name, extension, declaredType, realType, executable, mismatch, disguised: hiddenBy !== undefined, finding };
}

async function detect(head: Buffer): Promise<{ ext: string; mime: string } | undefined> {
  if (head.length === 0) return undefined;
  try {
    const found = await fileTypeFromBuffer(head);
    return found && { ext: found.ext, mime: found.mime };
  } catch {
    // file-type reads past the end of a truncated head on some formats: nothing recognised.
    return undefined;
  }
}

function startsWithShebang(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x23 && head[1] === 0x21;
}

function extensionFits(realExt: string, extension: string): boolean {
  return realExt === extension || (EXTENSION_ALIASES[realExt]?.includes(extension) ?? false);
}

function declaredFits(realMime: string, declaredType: string): boolean {
  const declared = MIME_ALIASES[declaredType] ?? declaredType;
  if (realMime === declared) return true;
  if (EXECUTABLE_DECLARED.test(realMime) && EXECUTABLE_DECLARED.test(declared)) return true;
  const [realTop, realSub] = realMime.split('/');
  const [declaredTop, declaredSub = ''] = declared.split('/');
  // image/jpg for image/jpeg, application/x-zip-compressed for application/zip, and the like.
  return realTop === declaredTop && (declaredSub.includes(realSub.replace(/^x-/, '')) || realSub.includes(declaredSub.replace(/^x-/, '')));
}
