// The delivery log: search by address, queue id or reply text, and by result.
import { api, query } from '../api.ts';
import { formatTime, h, show } from '../dom.ts';

interface Delivery {
  at: string;
  queueId: string;
  sender: string;
  recipient: string;
  status: string;
  relay: string;
  dsn: string;
  reply: string;
}

export function deliveriesView(root: HTMLElement): () => Promise<void> {
  const text = h('input', { type: 'search', name: 'q', placeholder: 'address, queue id or reply', 'aria-label': 'search' });
  const status = h('select', { name: 'status', 'aria-label': 'result' }, h('option', { value: '' }, 'any result'), h('option', { value: 'sent' }, 'sent'), h('option', { value: 'deferred' }, 'deferred'), h('option', { value: 'bounced' }, 'bounced'));
  const list = h('div', { class: 'list' });
  const refresh = async (): Promise<void> => {
    const { deliveries } = await api.get<{ deliveries: Delivery[] }>(`/api/deliveries${query({ q: text.value.trim(), status: status.value, limit: '200' })}`);
    show(
      list,
      deliveries.length === 0
        ? h('p', {}, 'No deliveries match.')
        : h(
            'table',
            { class: 'deliveries' },
            h('thead', {}, h('tr', {}, h('th', {}, 'Time'), h('th', {}, 'Queue id'), h('th', {}, 'Sender'), h('th', {}, 'Recipient'), h('th', {}, 'Result'), h('th', {}, 'Relay'), h('th', {}, 'Reply'))),
            h('tbody', {}, ...deliveries.map((d) => h('tr', {}, h('td', {}, formatTime(d.at)), h('td', {}, d.queueId), h('td', {}, d.sender || '<>'), h('td', {}, d.recipient), h('td', { class: `state ${d.status}` }, `${d.status} (${d.dsn})`), h('td', {}, d.relay), h('td', { class: 'reason' }, d.reply)))),
          ),
    );
  };
  show(root, h('h2', {}, 'Delivery log'), h('form', { class: 'filters', onsubmit: (e: Event) => (e.preventDefault(), void refresh()) }, text, status, h('button', { type: 'submit' }, 'Search')), list);
  return refresh;
}
