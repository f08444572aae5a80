// What a file name says and what it hides. Mail clients and Windows show names in ways an
// attacker can exploit: bidirectional controls reorder what is shown ("photo\u202Egpj.exe" reads
// "photoexe.jpg"), trailing dots and spaces are dropped by Windows, and only the last of several
// extensions counts ("invoice.pdf.exe").

/** Characters that change how a name is displayed without being seen themselves. */
const INVISIBLE_CONTROLS = /[\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/gu;

export interface NameFacts {
  /** The name as sent (decoded from RFC 2231 / RFC 2047), without any folder part. */
  name: string;
  /** The extension that decides how the file is opened, lower-case; undefined when there is none. */
  extension?: string;
  /** The extension in front of it, when there are two (invoice.pdf.exe: "pdf"). */
  innerExtension?: string;
  /** The name holds bidirectional or zero-width controls: what is shown is not what it is. */
  misleadingDisplay: boolean;
}

export function nameFacts(raw: string): NameFacts {
  const name = raw.split(/[\\/]/).pop() ?? raw;
  const visible = name.replace(INVISIBLE_CONTROLS, '');
  const misleadingDisplay = visible !== name;
  const effective = visible.replace(/[.\s]+$/u, '');
  const pieces = effective.split('.').slice(1).map((p) => p.trim().toLowerCase());
  const extension = pieces.length > 0 && pieces[pieces.length - 1] !== '' ? pieces[pieces.length - 1] : undefined;
  const inner = pieces.length > 1 ? pieces[pieces.length - 2] : undefined;
  return { name, extension, innerExtension: inner && /^[a-z0-9]{1,5}$/.test(inner) ? inner : undefined, misleadingDisplay };
}
