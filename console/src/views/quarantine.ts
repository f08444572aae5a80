// The quarantine: what content checks held back, why, and a safe look at it before release or
// delete. The HTML preview comes sanitised from the server and is shown in a frame sandboxed
// without scripts, under a policy that loads nothing from anywhere but data: images.
import { api, type CommandResult } from '../api.ts';
import { formatTime, h, show } from '../dom.ts';
import { notify } from '../notice.ts';
import type { QuarantineEntry as Entry } from '../../../src/queue/quarantine-entry.ts';

interface Detail extends Entry {
  attachments: Array<{ filename: string; contentType: string; size: number }>;
}
interface Preview {
  text: string;
  html: string;
  truncated: boolean;
}

const FRAME_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

export function quarantineView(root: HTMLElement): () => Promise<void> {
  const list = h('div', { class: 'list' });
  const details = h('section', { class: 'details', id: 'quarantine-details' });
  const refresh = async (): Promise<void> => {
    const { entries } = await api.get<{ entries: Entry[] }>('/api/quarantine');
    show(list, h('p', { class: 'count' }, `${entries.length} message${entries.length === 1 ? '' : 's'} in quarantine`), entries.length === 0 ? null : table(entries));
  };
  const act = async (path: string, method: 'post' | 'delete'): Promise<void> => {
    const result: CommandResult = await api[method](path);
    notify(result.message, result.ok);
    details.replaceChildren();
    await refresh();
  };
  const open = async (id: string): Promise<void> => {
    const path = `/api/quarantine/${encodeURIComponent(id)}`;
    const [detail, preview] = await Promise.all([api.get<Detail>(path), api.get<Preview>(`${path}/preview`)]);
    show(details, detailView(detail, preview, act));
  };
  const table = (entries: Entry[]) =>
    h(
      'table',
      { class: 'quarantine' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Time'), h('th', {}, 'Sender'), h('th', {}, 'Recipients'), h('th', {}, 'Subject'), h('th', {}, 'Rule'), h('th', {}, 'Reason'))),
      h(
        'tbody',
        {},
        ...entries.map((e) =>
          h(
            'tr',
            { 'data-id': e.id },
            h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => void open(e.id) }, formatTime(e.time))),
            h('td', {}, e.sender || '<>'),
            h('td', {}, e.recipients.join(', ')),
            h('td', { class: 'subject' }, e.subject),
            h('td', {}, e.rule ?? ''),
            h('td', { class: 'reason' }, e.reason),
          ),
        ),
      ),
    );
  show(root, h('h2', {}, 'Quarantine'), list, details);
  return refresh;
}

function detailView(d: Detail, preview: Preview, act: (path: string, method: 'post' | 'delete') => Promise<void>): HTMLElement {
  const path = `/api/quarantine/${encodeURIComponent(d.id)}`;
  const frame = h('iframe', { class: 'preview', sandbox: '', referrerpolicy: 'no-referrer', title: 'message preview (sanitised HTML)' });
  // srcdoc is parsed in the sandboxed frame's own document, never in the console's.
  frame.srcdoc = `<!doctype html><meta http-equiv="Content-Security-Policy" content="${FRAME_POLICY}"><body>${preview.html}</body>`;
  return h(
    'div',
    {},
    h('h3', {}, `Message ${d.id}`),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', class: 'release', onclick: () => confirm(`Release ${d.id} for delivery?`) && void act(`${path}/release`, 'post') }, 'Release'),
      h('button', { type: 'button', class: 'danger delete', onclick: () => confirm(`Delete ${d.id}?`) && void act(path, 'delete') }, 'Delete'),
    ),
    h(
      'dl',
      {},
      h('dt', {}, 'Subject'),
      h('dd', { class: 'subject' }, d.subject),
      h('dt', {}, 'Sender'),
      h('dd', {}, d.sender || '<>'),
      h('dt', {}, 'Recipients'),
      h('dd', {}, d.recipients.join(', ')),
      h('dt', {}, 'Why'),
      h('dd', {}, `${d.reason}${d.rule ? ` (rule ${d.rule})` : ''}`),
    ),
    d.attachments.length > 0 ? h('ul', { class: 'attachments' }, ...d.attachments.map((a) => h('li', {}, h('span', { class: 'filename' }, a.filename || '(no name)'), ` ${a.contentType}, ${a.size} bytes`))) : null,
    h('h4', {}, 'Plain text'),
    h('pre', { class: 'preview-text' }, preview.text || '(no plain text part)'),
    preview.html ? h('h4', {}, 'HTML (sanitised, no scripts, no remote content)') : null,
    preview.html ? frame : null,
    preview.truncated ? h('p', { class: 'count' }, 'The preview is cut short; the message is longer.') : null,
  );
}
