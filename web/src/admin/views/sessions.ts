// Tenant administration → Remote help → Sessions (SPEC §11): every session
// with its helper (provider), sharer (recipient), device, times, length,
// mode, elevation, chat and who ended it. Filters, sorting and paging run
// on the server; the address keeps them (reload and links show the same
// page); Export CSV downloads every matching row.
import { t } from '../../i18n';
import { h } from '../../ui/dom';
import * as admin from '../admin-api';
import { dayStart, formatDateTime, formatDuration } from '../format';
import type { Context } from '../routes';
import type { ReportPage, ReportRow } from '../types';
import { type Choice, Form, selectField, textField } from '../ui/form';
import { type View, emptyState, page } from '../ui/page';
import { PAGE_SIZES, Pager } from '../ui/pager';
import { type Column, DataTable, subline, yesNo } from '../ui/table';
import { remoteHelpTabs } from './remote-help-tabs';

const SORTS = ['created', 'started', 'ended', 'duration', 'helper', 'sharer', 'device'];

/** The report's state as kept in the address. */
interface ReportState {
  q: string;
  state: string;
  mode: string;
  from: string;
  to: string;
  sort: string;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

function fromParams(p: URLSearchParams): ReportState {
  const limit = Number(p.get('limit'));
  const sort = p.get('sort') ?? 'created';
  return {
    q: p.get('q') ?? '',
    state: p.get('state') ?? '',
    mode: p.get('mode') ?? '',
    from: p.get('from') ?? '',
    to: p.get('to') ?? '',
    sort: SORTS.includes(sort) ? sort : 'created',
    order: p.get('order') === 'asc' ? 'asc' : 'desc',
    limit: (PAGE_SIZES as readonly number[]).includes(limit) ? limit : 50,
    offset: Math.max(0, Math.floor(Number(p.get('offset')) || 0)),
  };
}

function toParams(s: ReportState): URLSearchParams {
  const p = new URLSearchParams();
  for (const [key, value] of Object.entries(s)) {
    const defaults: Record<string, string> = { sort: 'created', order: 'desc', limit: '50', offset: '0' };
    if (value !== '' && String(value) !== defaults[key]) p.set(key, String(value));
  }
  return p;
}

/** What the API is asked: dates become the start of the local day (the "to" day is included). */
function apiParams(s: ReportState): admin.ReportParams {
  return {
    q: s.q,
    state: s.state,
    mode: s.mode,
    from: s.from ? dayStart(s.from) : '',
    to: s.to ? dayStart(s.to, 1) : '',
    sort: s.sort,
    order: s.order,
    limit: s.limit,
    offset: s.offset,
  };
}

function person(name: string | null, email: string | null, id: string | null): Node | string {
  if (!id) return h('span', { class: 'cell-none' }, t('admin-none'));
  return h('div', { class: 'cell-person' },
    h('span', { class: 'cell-name' }, name ?? ''),
    email ? subline(email) : null,
    subline(id, 'cell-id'),
  );
}

function outcome(row: ReportRow): HTMLElement {
  const label = t(`admin-state-${row.state}`);
  const badge = h('span', { class: `state-badge state-${row.state}` }, label);
  return row.refusal ? h('div', null, badge, subline(row.refusal)) : badge;
}

function columns(): Column<ReportRow>[] {
  return [
    { key: 'helper', label: t('admin-col-helper'), sortable: true, className: 'col-helper',
      cell: (r) => person(r.helper_name, r.helper_email, r.helper_id) },
    { key: 'sharer', label: t('admin-col-sharer'), sortable: true, className: 'col-sharer',
      cell: (r) => person(r.sharer_name, r.sharer_email, r.sharer_id) },
    { key: 'device', label: t('admin-col-device'), sortable: true, className: 'col-device', cell: (r) => r.device ?? '' },
    { key: 'created', label: t('admin-col-issued'), sortable: true, className: 'col-time', cell: (r) => formatDateTime(r.created_at) },
    { key: 'started', label: t('admin-col-start'), sortable: true, className: 'col-time col-start', cell: (r) => formatDateTime(r.started_at) },
    { key: 'ended', label: t('admin-col-end'), sortable: true, className: 'col-time col-end', cell: (r) => formatDateTime(r.ended_at) },
    { key: 'duration', label: t('admin-col-duration'), sortable: true, className: 'col-duration num', cell: (r) => formatDuration(r.duration_secs) },
    { key: 'mode', label: t('admin-col-mode'), className: 'col-mode', cell: (r) => (r.mode ? t(`admin-mode-${r.mode}`) : '') },
    { key: 'elevation', label: t('admin-col-elevation'), className: 'col-elevation', cell: (r) => yesNo(r.elevation_used) },
    { key: 'chat', label: t('admin-col-chat'), className: 'col-chat', cell: (r) => yesNo(r.chat_used) },
    { key: 'encrypted', label: t('admin-col-encrypted'), className: 'col-encrypted',
      cell: (r) => (r.encrypted === null ? '' : yesNo(r.encrypted)) },
    { key: 'ended_by', label: t('admin-col-ended-by'), className: 'col-ended-by', cell: (r) => (r.ended_by ? t(`admin-ended-by-${r.ended_by}`) : '') },
    { key: 'state', label: t('admin-col-outcome'), className: 'col-state', cell: outcome },
  ];
}

export async function sessionsPage(ctx: Context): Promise<View> {
  let state = fromParams(ctx.params);
  const first: ReportPage = await admin.report(apiParams(state));
  const csv = h('a', { class: 'btn export-csv', href: admin.reportCsvUrl(apiParams(state)), download: 'deskmate-sessions.csv' }, t('admin-export-csv'));
  const p = page('sessions-page', t('admin-remote-help-title'), t('admin-sessions-lead'), [csv]);
  p.root.append(remoteHelpTabs(ctx.access, 'sessions'));

  const any = (label: string): Choice => ({ value: '', label });
  const search = textField({ name: 'q', label: t('admin-filter-search'), help: t('admin-filter-search-help'), value: state.q, type: 'search', spellcheck: false });
  const stateField = selectField({ name: 'state', label: t('admin-filter-state'), value: state.state,
    choices: [any(t('admin-filter-any')), ...['ended', 'refused', 'active', 'paired', 'waiting'].map((s) => ({ value: s, label: t(`admin-state-${s}`) }))] });
  const mode = selectField({ name: 'mode', label: t('admin-filter-mode'), value: state.mode,
    choices: [any(t('admin-filter-any')), { value: 'view', label: t('admin-mode-view') }, { value: 'control', label: t('admin-mode-control') }] });
  const from = textField({ name: 'from', label: t('admin-filter-from'), value: state.from, type: 'date' });
  const to = textField({ name: 'to', label: t('admin-filter-to'), value: state.to, type: 'date' });
  const apply = h('button', { type: 'submit', class: 'btn btn-primary filter-apply' }, t('admin-filter-apply'));
  const clear = h('button', { type: 'button', class: 'btn filter-clear' }, t('admin-filter-clear'));

  const table = new DataTable<ReportRow>({
    caption: t('admin-sessions-caption'),
    columns: columns(),
    className: 'sessions-table',
    sort: { key: state.sort, descending: state.order === 'desc' },
    rowId: (r) => r.id,
    onSort: (key) => {
      const order = state.sort === key && state.order === 'desc' ? 'asc' : 'desc';
      void load({ ...state, sort: key, order, offset: 0 });
    },
  });
  const empty = h('div', { class: 'report-empty' });
  const pager = new Pager(t('admin-sessions-paging'), state.offset, state.limit, (offset, limit) => {
    void load({ ...state, offset, limit });
  });

  const show = (report: ReportPage): void => {
    table.setRows(report.rows);
    table.setSort({ key: state.sort, descending: state.order === 'desc' });
    pager.update(state.offset, state.limit, report.rows.length, report.total);
    table.element.hidden = report.total === 0;
    const filtered = Boolean(state.q || state.state || state.mode || state.from || state.to);
    empty.replaceChildren(
      ...(report.total === 0
        ? [filtered
          ? emptyState(t('admin-sessions-none-match'), t('admin-sessions-none-match-text'))
          : emptyState(t('admin-sessions-none'), t('admin-sessions-none-text'))]
        : []),
    );
    csv.href = admin.reportCsvUrl(apiParams(state));
  };

  let generation = 0;
  const load = async (next: ReportState): Promise<void> => {
    const mine = ++generation;
    table.setBusy(true);
    form.clearErrors();
    try {
      const report = await admin.report(apiParams(next));
      if (mine !== generation) return;
      state = next;
      ctx.replaceParams(toParams(state));
      show(report);
    } catch (error) {
      if (mine !== generation) return;
      table.setBusy(false);
      form.showError(error);
    }
  };

  const form = new Form('report-filters', t('admin-filters'), () =>
    load({ ...state, q: search.input.value.trim(), state: stateField.input.value, mode: mode.input.value,
      from: from.input.value, to: to.input.value, offset: 0 }));
  const row = h('div', { class: 'filter-row' });
  form.add([search, stateField, mode, from, to], row);
  form.element.append(row, h('div', { class: 'filter-actions' }, apply, clear));
  for (const select of [stateField.input, mode.input]) select.addEventListener('change', () => form.element.requestSubmit());
  clear.addEventListener('click', () => {
    search.input.value = '';
    stateField.input.value = '';
    mode.input.value = '';
    from.input.value = '';
    to.input.value = '';
    void load({ ...state, q: '', state: '', mode: '', from: '', to: '', offset: 0 });
  });

  p.root.append(form.element, table.element, empty, pager.element);
  show(first);
  return { element: p.root, heading: p.heading, title: t('admin-tab-sessions') };
}
