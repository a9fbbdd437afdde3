// Tenant administration → Devices → All devices (SPEC §4): every device of
// the organisation, enrolled or not, with its system, last use, last user
// and compliance. Search, filters, sorting and paging run on the server and
// live in the address. Each name opens the device's page.
import { t } from '../../i18n';
import { h } from '../../ui/dom';
import * as admin from '../admin-api';
import { formatDateTime } from '../format';
import type { Context } from '../routes';
import type { DevicePage, DeviceSummary } from '../types';
import { type Choice, Form, selectField, textField } from '../ui/form';
import { type View, emptyState, page } from '../ui/page';
import { PAGE_SIZES, Pager } from '../ui/pager';
import { type Column, DataTable, subline } from '../ui/table';
import { deviceBadges, devicesTabs } from './devices-tabs';

export { devicePage } from './device-page';

const SORTS = ['name', 'last_seen', 'os', 'created'];

interface ListState {
  q: string;
  enrolled: string;
  compliant: string;
  sort: string;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

const DEFAULT_ORDER: Record<string, 'asc' | 'desc'> = { name: 'asc', os: 'asc', last_seen: 'desc', created: 'desc' };

function fromParams(p: URLSearchParams): ListState {
  const sort = SORTS.includes(p.get('sort') ?? '') ? (p.get('sort') as string) : 'name';
  const order = p.get('order');
  const limit = Number(p.get('limit'));
  const flag = (v: string | null): string => (v === 'true' || v === 'false' ? v : '');
  return {
    q: p.get('q') ?? '',
    enrolled: flag(p.get('enrolled')),
    compliant: flag(p.get('compliant')),
    sort,
    order: order === 'asc' || order === 'desc' ? order : DEFAULT_ORDER[sort] ?? 'asc',
    limit: (PAGE_SIZES as readonly number[]).includes(limit) ? limit : 50,
    offset: Math.max(0, Math.floor(Number(p.get('offset')) || 0)),
  };
}

function toParams(s: ListState): URLSearchParams {
  const p = new URLSearchParams();
  if (s.q) p.set('q', s.q);
  if (s.enrolled) p.set('enrolled', s.enrolled);
  if (s.compliant) p.set('compliant', s.compliant);
  if (s.sort !== 'name') p.set('sort', s.sort);
  if (s.order !== (DEFAULT_ORDER[s.sort] ?? 'asc')) p.set('order', s.order);
  if (s.limit !== 50) p.set('limit', String(s.limit));
  if (s.offset) p.set('offset', String(s.offset));
  return p;
}

function columns(): Column<DeviceSummary>[] {
  return [
    { key: 'name', label: t('admin-col-name'), sortable: true, className: 'col-name',
      cell: (d) => h('div', { class: 'cell-person' }, h('a', { href: `#/devices/${d.id}`, class: 'device-link', dir: 'auto' }, d.name)) },
    { key: 'status', label: t('admin-col-status'), className: 'col-status',
      cell: (d) => h('div', { class: 'badges' }, ...deviceBadges(d)) },
    { key: 'os', label: t('admin-col-os'), sortable: true, className: 'col-os', cell: (d) => d.os_name || t('admin-unknown') },
    { key: 'last_seen', label: t('admin-col-last-seen'), sortable: true, className: 'col-time', cell: (d) => formatDateTime(d.last_seen_at) },
    { key: 'user', label: t('admin-col-last-user'), className: 'col-user',
      cell: (d) => (d.last_user ? h('div', { class: 'cell-person' }, h('span', null, d.last_user.name), subline(d.last_user.email)) : '') },
    { key: 'reasons', label: t('admin-col-compliance'), className: 'col-reasons',
      cell: (d) => (d.compliance_reasons.length
        ? h('ul', { class: 'reasons' }, ...d.compliance_reasons.map((r) => h('li', null, r)))
        : t('admin-device-meets-policy')) },
  ];
}

export async function devicesPage(ctx: Context): Promise<View> {
  let state = fromParams(ctx.params);
  const first: DevicePage = await admin.devices(state);
  const p = page('devices-page', t('admin-devices-title'), t('admin-devices-lead'));
  p.root.append(devicesTabs('all'));

  const any: Choice = { value: '', label: t('admin-filter-any') };
  const search = textField({ name: 'q', label: t('admin-devices-search'), value: state.q, type: 'search', spellcheck: false });
  const enrolled = selectField({ name: 'enrolled', label: t('admin-devices-filter-enrolment'), value: state.enrolled,
    choices: [any, { value: 'true', label: t('admin-device-enrolled') }, { value: 'false', label: t('admin-device-unenrolled') }] });
  const compliant = selectField({ name: 'compliant', label: t('admin-devices-filter-compliance'), value: state.compliant,
    choices: [any, { value: 'true', label: t('admin-device-compliant') }, { value: 'false', label: t('admin-device-not-compliant') }] });
  const apply = h('button', { type: 'submit', class: 'btn btn-primary filter-apply' }, t('admin-filter-apply'));

  const table = new DataTable<DeviceSummary>({
    caption: t('admin-devices-title'),
    columns: columns(),
    className: 'devices-table',
    sort: { key: state.sort, descending: state.order === 'desc' },
    rowId: (d) => d.id,
    onSort: (key) => {
      const order = state.sort === key ? (state.order === 'desc' ? 'asc' : 'desc') : DEFAULT_ORDER[key] ?? 'asc';
      void load({ ...state, sort: key, order, offset: 0 });
    },
  });
  const empty = h('div');
  const pager = new Pager(t('admin-devices-paging'), state.offset, state.limit, (offset, limit) => {
    void load({ ...state, offset, limit });
  });
  const show = (list: DevicePage): void => {
    table.setRows(list.items);
    table.setSort({ key: state.sort, descending: state.order === 'desc' });
    pager.update(state.offset, state.limit, list.items.length, list.total);
    table.element.hidden = list.total === 0;
    const filtered = Boolean(state.q || state.enrolled || state.compliant);
    empty.replaceChildren(...(list.total === 0
      ? [filtered
        ? emptyState(t('admin-devices-none-match'), t('admin-devices-none-match-text'))
        : emptyState(t('admin-devices-none'), t('admin-devices-none-text'), h('a', { href: '#/enrolment', class: 'btn' }, t('admin-tab-enrolment')))]
      : []));
  };
  let generation = 0;
  const load = async (next: ListState): Promise<void> => {
    const mine = ++generation;
    table.setBusy(true);
    form.clearErrors();
    try {
      const list = await admin.devices(next);
      if (mine !== generation) return;
      state = next;
      ctx.replaceParams(toParams(state));
      show(list);
    } catch (error) {
      if (mine !== generation) return;
      table.setBusy(false);
      form.showError(error);
    }
  };
  const form = new Form('device-filters', t('admin-filters'), () =>
    load({ ...state, q: search.input.value.trim(), enrolled: enrolled.input.value, compliant: compliant.input.value, offset: 0 }));
  const row = h('div', { class: 'filter-row' });
  form.add([search, enrolled, compliant], row);
  form.element.append(row, h('div', { class: 'filter-actions' }, apply));
  for (const select of [enrolled.input, compliant.input]) select.addEventListener('change', () => form.element.requestSubmit());
  if (ctx.flash) p.root.append(h('p', { class: 'status-line flash', role: 'status' }, ctx.flash));
  p.root.append(form.element, table.element, empty, pager.element);
  show(first);
  return { element: p.root, heading: p.heading, title: t('admin-tab-devices') };
}
