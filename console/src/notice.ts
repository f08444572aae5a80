// One line at the top that says what the last action did.
import { h, show } from './dom.ts';

let area: HTMLElement | undefined;

export function noticeArea(): HTMLElement {
  area = h('div', { class: 'notice', role: 'status', 'aria-live': 'polite' });
  return area;
}

export function notify(text: string, ok = true): void {
  if (!area) return;
  area.className = `notice ${ok ? 'ok' : 'error'}`;
  show(area, text);
}
