// Per-minute charts of the last hour (mail and DNS) and the most frequent refusal reasons.
import { api } from '../api.ts';
import { h, show } from '../dom.ts';
import { lineChart } from './chart.ts';
import type { ActivityReport as Report } from '../../../src/admin/activity-report.ts';

const MAIL_SERIES = ['accepted', 'delivered', 'deferred', 'bounced', 'refused'] as const;

export function activityView(root: HTMLElement): () => Promise<void> {
  const body = h('div', {});
  show(root, h('h2', {}, 'Activity'), body);
  return async () => {
    const report = await api.get<Report>('/api/activity');
    const minutes = report.minutes.map((m) => m.minute);
    show(
      body,
      lineChart('Mail per minute', minutes, MAIL_SERIES.map((name) => ({ name, className: `series-${name}`, values: report.minutes.map((m) => m[name]) }))),
      lineChart('DNS queries per minute', minutes, [{ name: 'queries', className: 'series-dns', values: report.minutes.map((m) => m.dnsQueries) }]),
      h('h3', {}, 'Top refusal reasons'),
      report.topRefusals.length === 0
        ? h('p', {}, 'No refusals since start.')
        : h('table', { class: 'refusals' }, h('thead', {}, h('tr', {}, h('th', {}, 'Check'), h('th', {}, 'Reply'), h('th', {}, 'Count'))), h('tbody', {}, ...report.topRefusals.map((r) => h('tr', {}, h('td', {}, r.check), h('td', { class: 'reason' }, r.reply), h('td', {}, r.count))))),
    );
  };
}
