// Tenant administration → Remote help → Monitor (SPEC §11): sessions live
// now, sessions started per day over the retention window, and their
// average length. The figures refresh every 30 seconds while shown.
import { t } from '../../i18n';
import { h } from '../../ui/dom';
import * as admin from '../admin-api';
import { formatDuration, formatNumber } from '../format';
import type { Context } from '../routes';
import type { Summary } from '../types';
import { barChart } from '../ui/bar-chart';
import { type View, errorState, linkButton, page } from '../ui/page';
import { remoteHelpTabs } from './remote-help-tabs';

const REFRESH_MS = 30_000;

function stat(className: string, label: string, value: string, note?: string): HTMLElement {
  return h('div', { class: `card stat ${className}` },
    h('p', { class: 'stat-label' }, label),
    h('p', { class: 'stat-value' }, value),
    note ? h('p', { class: 'help' }, note) : null,
  );
}

function render(summary: Summary): HTMLElement[] {
  const total = summary.per_day.reduce((sum, d) => sum + d.sessions, 0);
  return [
    h('div', { class: 'stats' },
      stat('stat-active', t('admin-monitor-active'), formatNumber(summary.active_now), t('admin-monitor-active-note')),
      stat('stat-total', t('admin-monitor-total', { days: summary.days }), formatNumber(total)),
      stat('stat-average', t('admin-monitor-average'),
        summary.average_duration_secs === null ? t('admin-monitor-no-average') : formatDuration(summary.average_duration_secs)),
    ),
    h('section', { class: 'card chart-card', 'aria-labelledby': 'chart-title' },
      h('h2', { id: 'chart-title' }, t('admin-monitor-per-day', { days: summary.days })),
      barChart(summary.per_day, t('admin-monitor-per-day', { days: summary.days })),
    ),
  ];
}

export async function monitorPage(ctx: Context): Promise<View> {
  const first = await admin.summary();
  const p = page('monitor-page', t('admin-remote-help-title'), t('admin-monitor-lead'),
    [linkButton('#/remote-help/sessions', t('admin-monitor-to-report'))]);
  p.root.append(remoteHelpTabs(ctx.access, 'monitor'));
  const body = h('div', { class: 'monitor-body', 'aria-live': 'off' }, ...render(first));
  const refreshed = h('p', { class: 'help monitor-refreshed' }, t('admin-monitor-refresh-note'));
  p.root.append(body, refreshed);
  const timer = window.setInterval(() => {
    admin.summary().then(
      (summary) => body.replaceChildren(...render(summary)),
      (error: unknown) => body.replaceChildren(errorState(error)),
    );
  }, REFRESH_MS);
  return {
    element: p.root,
    heading: p.heading,
    title: t('admin-tab-monitor'),
    dispose: () => window.clearInterval(timer),
  };
}
