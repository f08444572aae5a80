// The queue: filters by destination domain, status and reason; each message with its pending
// recipients and why they wait; details (subject, attachments) and the administrator's actions.
import { api, query, type CommandResult } from '../api.ts';
import { formatTime, h, show } from '../dom.ts';
import { notify } from '../notice.ts';

interface Recipient {
  address: string;
  state: string;
  attempts: number;
  nextAttempt: string;
  lastError: string | null;
}
interface Message {
  id: string;
  size: number;
  arrival: string;
  sender: string;
  held: boolean;
  recipients: Recipient[];
}
interface Details extends Message {
  summary?: { subject: string; from: string; to: string; attachments: Array<{ filename: string; contentType: string; size: number }> } | { error: string };
}

export function queueView(root: HTMLElement): () => Promise<void> {
  const domain = h('input', { type: 'search', name: 'domain', placeholder: 'domain', 'aria-label': 'destination domain' });
  const status = h('select', { name: 'status', 'aria-label': 'status' }, h('option', { value: '' }, 'any status'), h('option', { value: 'queued' }, 'queued'), h('option', { value: 'deferred' }, 'deferred'), h('option', { value: 'held' }, 'held'));
  const reason = h('input', { type: 'search', name: 'reason', placeholder: 'reason', 'aria-label': 'reason' });
  const list = h('div', { class: 'list' });
  const details = h('section', { class: 'details', id: 'queue-details' });
  const refresh = async (): Promise<void> => {
    const { messages, matched, total } = await api.get<{ messages: Message[]; matched: number; total: number }>(`/api/queue${query({ domain: domain.value.trim(), status: status.value, reason: reason.value.trim() })}`);
    const shown = messages.length < matched ? `${messages.length} shown of ${matched} matching` : `${matched} matching`;
    show(list, h('p', { class: 'count' }, `${shown}, ${total} in the queue`), messages.length === 0 ? h('p', {}, 'Nothing matches.') : table(messages));
  };
  const act = async (path: string, method: 'post' | 'delete' = 'post'): Promise<void> => {
    const result: CommandResult = await api[method](path);
    notify(result.message, result.ok);
    await refresh();
  };
  const open = async (id: string): Promise<void> => {
    const message = await api.get<Details>(`/api/queue/${encodeURIComponent(id)}`);
    show(details, detailsOf(message));
  };
  const table = (messages: Message[]) =>
    h(
      'table',
      { class: 'queue' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Queue id'), h('th', {}, 'Arrival'), h('th', {}, 'Sender'), h('th', {}, 'Recipient'), h('th', {}, 'Status'), h('th', {}, 'Reason'), h('th', {}, ''))),
      h(
        'tbody',
        {},
        ...messages.flatMap((m) =>
          m.recipients
            .filter((r) => r.state === 'queued' || r.state === 'deferred')
            .map((r, i) =>
              h(
                'tr',
                { 'data-id': m.id },
                h('td', {}, i === 0 ? h('button', { class: 'link', type: 'button', onclick: () => void open(m.id) }, m.id) : ''),
                h('td', {}, i === 0 ? formatTime(m.arrival) : ''),
                h('td', {}, i === 0 ? m.sender || '<>' : ''),
                h('td', {}, r.address),
                h('td', { class: `state ${m.held ? 'held' : r.state}` }, m.held ? 'held' : r.state),
                h('td', { class: 'reason' }, r.lastError ?? ''),
                h('td', { class: 'actions' }, i === 0 ? actions(m) : ''),
              ),
            ),
        ),
      ),
    );
  const actions = (m: Message) => {
    const id = encodeURIComponent(m.id);
    return h(
      'span',
      {},
      m.held ? h('button', { type: 'button', onclick: () => void act(`/api/queue/${id}/release`) }, 'Release') : h('button', { type: 'button', onclick: () => void act(`/api/queue/${id}/hold`) }, 'Hold'),
      h('button', { type: 'button', onclick: () => void act(`/api/queue/${id}/retry`) }, 'Retry'),
      h('button', { type: 'button', onclick: () => confirm(`Return ${m.id} to its sender?`) && void act(`/api/queue/${id}/bounce`) }, 'Bounce'),
      h('button', { type: 'button', class: 'danger', onclick: () => confirm(`Delete ${m.id} without notice?`) && void act(`/api/queue/${id}`, 'delete') }, 'Delete'),
    );
  };
  const filters = h(
    'form',
    { class: 'filters', onsubmit: (e: Event) => (e.preventDefault(), void refresh()) },
    domain,
    status,
    reason,
    h('button', { type: 'submit' }, 'Filter'),
    h('button', { type: 'button', onclick: () => void act('/api/queue/flush') }, 'Flush queue'),
  );
  show(root, h('h2', {}, 'Queue'), filters, list, details);
  return refresh;
}

function detailsOf(m: Details): HTMLElement {
  const summary = m.summary;
  return h(
    'div',
    {},
    h('h3', {}, `Message ${m.id}`),
    h(
      'dl',
      {},
      h('dt', {}, 'Sender'),
      h('dd', {}, m.sender || '<>'),
      h('dt', {}, 'Size'),
      h('dd', {}, `${m.size} bytes`),
      ...(summary && 'subject' in summary
        ? [h('dt', {}, 'Subject'), h('dd', { class: 'subject' }, summary.subject), h('dt', {}, 'From'), h('dd', {}, summary.from), h('dt', {}, 'To'), h('dd', {}, summary.to)]
        : summary
          ? [h('dt', {}, 'Parse'), h('dd', {}, summary.error)]
          : []),
    ),
    summary && 'attachments' in summary && summary.attachments.length > 0
      ? h('ul', { class: 'attachments' }, ...summary.attachments.map((a) => h('li', {}, h('span', { class: 'filename' }, a.filename || '(no name)'), ` ${a.contentType}, ${a.size} bytes`)))
      : null,
    h('ul', { class: 'recipients' }, ...m.recipients.map((r) => h('li', {}, `${r.address}: ${r.state}, ${r.attempts} attempts${r.lastError ? `, last: ${r.lastError}` : ''}`))),
  );
}
