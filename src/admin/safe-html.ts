// A message's HTML made safe to show: rebuilt from an allow-list rather than cleaned of a
// block-list. Every tag is read, and only the harmless ones of this list are written again,
// with only the attributes listed, their values and all text escaped anew. Scripts, styles,
// frames, forms and their content are dropped; images only from data: URLs (never remote, so
// opening a preview tells no sender that the message was read); links keep their text, and
// their target only as a tooltip. Whatever the reader misreads becomes text or disappears: it
// can never become markup, because nothing is copied through unescaped.
const KEPT = new Set([
  'a', 'abbr', 'b', 'blockquote', 'br', 'caption', 'center', 'code', 'dd', 'div', 'dl', 'dt', 'em', 'font', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'hr', 'i', 'img', 'li', 'ol', 'p', 'pre', 's', 'small', 'span', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'u', 'ul',
]);
const VOID = new Set(['br', 'hr', 'img']);
/** Dropped together with everything up to their end tag. */
const DROPPED_WITH_CONTENT = new Set(['script', 'style', 'title', 'textarea', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript', 'object', 'embed', 'applet', 'svg', 'math', 'template', 'select', 'head']);
const ATTRIBUTES: Record<string, ReadonlySet<string>> = {
  '*': new Set(['align', 'dir', 'lang', 'title']),
  td: new Set(['colspan', 'rowspan', 'valign', 'width']),
  th: new Set(['colspan', 'rowspan', 'valign', 'width']),
  table: new Set(['border', 'cellpadding', 'cellspacing', 'width']),
  img: new Set(['alt', 'width', 'height']),
  ol: new Set(['start']),
};
const DATA_IMAGE = /^data:image\/(png|gif|jpeg|webp);base64,[a-z0-9+/=\s]+$/i;

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (whole, entity: string) => {
    if (entity[0] !== '#') return NAMED[entity.toLowerCase()] ?? whole;
    const code = entity[1] === 'x' || entity[1] === 'X' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
    return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : '\ufffd';
  });
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const TAG = /^<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/;
const ATTRIBUTE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

function attributesOf(tag: string, source: string): string {
  const out: string[] = [];
  for (const m of source.matchAll(ATTRIBUTE)) {
    const name = m[1]!.toLowerCase();
    const value = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
    if (tag === 'img' && name === 'src') {
      if (DATA_IMAGE.test(value)) out.push(`src="${escapeHtml(value.replace(/\s+/g, ''))}"`);
      continue;
    }
    if (tag === 'a' && name === 'href') {
      out.push(`title="${escapeHtml(`link to ${value}`)}"`);
      continue;
    }
    if (ATTRIBUTES['*']!.has(name) || ATTRIBUTES[tag]?.has(name)) out.push(`${name}="${escapeHtml(value)}"`);
  }
  return out.length === 0 ? '' : ` ${out.join(' ')}`;
}

export function safeHtml(html: string): string {
  let out = '';
  let i = 0;
  let text = '';
  const flushText = () => {
    out += escapeHtml(decodeEntities(text));
    text = '';
  };
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      text += html.slice(i);
      break;
    }
    text += html.slice(i, lt);
    const rest = html.slice(lt);
    if (rest.startsWith('<!--')) {
      const end = html.indexOf('-->', lt + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    if (/^<[!?]/.test(rest)) {
      const end = html.indexOf('>', lt);
      i = end < 0 ? html.length : end + 1;
      continue;
    }
    const tag = TAG.exec(rest);
    if (!tag) {
      text += '<';
      i = lt + 1;
      continue;
    }
    flushText();
    i = lt + tag[0].length;
    const closing = tag[1] === '/';
    const name = tag[2]!.toLowerCase();
    if (!closing && DROPPED_WITH_CONTENT.has(name)) {
      const end = new RegExp(`</${name}\\s*>`, 'i').exec(html.slice(i));
      i = end ? i + end.index + end[0].length : html.length;
      continue;
    }
    if (!KEPT.has(name)) continue;
    if (closing) {
      if (!VOID.has(name)) out += `</${name}>`;
    } else {
      out += `<${name}${attributesOf(name, tag[3] ?? '')}>`;
    }
  }
  flushText();
  return out;
}
