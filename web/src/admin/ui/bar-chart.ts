// A bar chart of sessions per day as SVG (no inline styles: colours come
// from admin.css). Screen readers get a summary as the image's name and
// the numbers in a table under "Show the numbers".
import { t } from '../../i18n';
import { h } from '../../ui/dom';
import { formatDay, formatNumber } from '../format';

const SVG = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

/** A tidy top for the axis: 1, 2, 5 × 10^n at or above `max`. */
function niceMax(max: number): number {
  if (max <= 4) return 4;
  const power = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 5, 10].find((m) => m * power >= max) ?? 10;
  return step * power;
}

export interface Day {
  date: string;
  sessions: number;
}

export function barChart(days: Day[], label: string): HTMLElement {
  const width = 720;
  const height = 240;
  const left = 44;
  const bottom = 28;
  const top = 12;
  const plotH = height - top - bottom;
  const plotW = width - left - 8;
  const max = niceMax(Math.max(0, ...days.map((d) => d.sessions)));
  const total = days.reduce((sum, d) => sum + d.sessions, 0);
  const busiest = days.reduce<Day | null>((best, d) => (!best || d.sessions > best.sessions ? d : best), null);
  const summary = t('admin-chart-summary', {
    days: days.length,
    total: formatNumber(total),
    busiest: busiest && busiest.sessions > 0 ? formatDay(busiest.date, true) : '–',
    most: busiest?.sessions ?? 0,
  });
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'bar-chart', 'aria-label': `${label}. ${summary}` });
  // Grid lines and the y axis labels (0, half, max).
  for (const fraction of [0, 0.5, 1]) {
    const y = top + plotH - fraction * plotH;
    chart.append(svg('line', { x1: left, x2: width - 8, y1: y, y2: y, class: 'chart-grid' }));
    chart.append(svg('text', { x: left - 8, y: y + 4, class: 'chart-label', 'text-anchor': 'end' }, formatNumber(Math.round(max * fraction))));
  }
  const slot = plotW / Math.max(days.length, 1);
  const barW = Math.max(1, slot * 0.7);
  days.forEach((day, i) => {
    const barH = max ? (day.sessions / max) * plotH : 0;
    const x = left + i * slot + (slot - barW) / 2;
    const bar = svg('rect', { x, y: top + plotH - barH, width: barW, height: Math.max(barH, day.sessions ? 1 : 0), class: 'chart-bar', 'data-date': day.date, 'data-sessions': day.sessions });
    bar.append(svg('title', {}, `${formatDay(day.date, true)}: ${formatNumber(day.sessions)}`));
    chart.append(bar);
  });
  // Dates under the first, middle and last bars.
  const marks = [...new Set([0, Math.floor((days.length - 1) / 2), days.length - 1])].filter((i) => i >= 0);
  for (const i of marks) {
    const day = days[i];
    if (!day) continue;
    const x = left + i * slot + slot / 2;
    const anchor = i === 0 ? 'start' : i === days.length - 1 ? 'end' : 'middle';
    chart.append(svg('text', { x, y: height - 8, class: 'chart-label', 'text-anchor': anchor }, formatDay(day.date)));
  }
  const table = h('table', { class: 'data-table chart-table' },
    h('caption', { class: 'visually-hidden' }, label),
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('admin-chart-day')), h('th', { scope: 'col' }, t('admin-chart-sessions')))),
    h('tbody', null, ...days.map((d) => h('tr', null, h('td', null, formatDay(d.date, true)), h('td', { class: 'num' }, formatNumber(d.sessions))))),
  );
  return h('figure', { class: 'chart' },
    chart,
    h('figcaption', { class: 'help' }, summary),
    h('details', { class: 'chart-data' }, h('summary', null, t('admin-chart-show-numbers')), h('div', { class: 'table-scroll chart-scroll', tabindex: 0, role: 'region', 'aria-label': label }, table)),
  );
}
