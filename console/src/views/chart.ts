// A line chart in SVG, one line per series over the minutes: no library, nothing remote.
import { h, svg } from '../dom.ts';

export interface ChartSeries {
  name: string;
  values: number[];
  /** A CSS class that colours the line and its legend entry. */
  className: string;
}

const WIDTH = 640;
const HEIGHT = 180;
const PAD = { left: 40, right: 10, top: 10, bottom: 24 };

export function lineChart(title: string, minutes: number[], series: ChartSeries[]): HTMLElement {
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (minutes.length <= 1 ? plotW : (i * plotW) / (minutes.length - 1));
  const y = (v: number) => PAD.top + plotH - (v * plotH) / max;
  const chart = svg(
    'svg',
    { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart', role: 'img', 'aria-label': title },
    svg('line', { x1: PAD.left, y1: PAD.top + plotH, x2: WIDTH - PAD.right, y2: PAD.top + plotH, class: 'axis' }),
    svg('line', { x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: PAD.top + plotH, class: 'axis' }),
    svg('text', { x: PAD.left - 4, y: PAD.top + 10, class: 'tick', 'text-anchor': 'end' }, String(max)),
    svg('text', { x: PAD.left - 4, y: PAD.top + plotH, class: 'tick', 'text-anchor': 'end' }, '0'),
    ...(minutes.length > 0
      ? [
          svg('text', { x: PAD.left, y: HEIGHT - 6, class: 'tick' }, clock(minutes[0]!)),
          svg('text', { x: WIDTH - PAD.right, y: HEIGHT - 6, class: 'tick', 'text-anchor': 'end' }, clock(minutes.at(-1)!)),
        ]
      : []),
    ...series.map((s) =>
      svg('polyline', { class: `line ${s.className}`, points: s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ') }, svg('title', {}, s.name)),
    ),
    // A dot per minute, so the first minute (a line of one point) shows too.
    ...series.flatMap((s) => s.values.map((v, i) => svg('circle', { class: `dot ${s.className}`, cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: 2.5 }, svg('title', {}, `${s.name}: ${v}`)))),
  );
  return h('figure', { class: 'chart-box' }, h('figcaption', {}, title), chart, h('ul', { class: 'legend' }, ...series.map((s) => h('li', { class: s.className }, `${s.name}: ${s.values.at(-1) ?? 0} in the last minute, ${s.values.reduce((a, b) => a + b, 0)} in the hour`))));
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}
