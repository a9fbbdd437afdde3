// Tenant administration → Audit log (SPEC §11): every admin change and
// session event with who, when, on what and from where; filters by actor,
// action and time (kept in the address); older events page in; Export CSV
// downloads every matching event; Verify checks the hash chain.
import { ApiError } from '../../api';
import { t } from '../../i18n';
import { h } from '../../ui/dom';
import { fullName } from '../../ui/profile-card';
import * as admin from '../admin-api';
import { dayStart, formatDateTime, formatNumber } from '../format';
import type { Context } from '../routes';
import { AUDIT_ACTIONS, type AdminUser, type AuditEvent } from '../types';
import { Form, selectField, textField } from '../ui/form';
import { type View, emptyState, page, statusLine } from '../ui/page';
import { type Column, DataTable, subline } from '../ui/table';

const PAGE = 100;

interface Filters {
  actor: string;
  action: string;
  from: string;
  to: string;
}

function apiParams(f: Filters): admin.AuditParams {
  return { actor: f.actor, action: f.action, from: f.from ? dayStart(f.from) : '', to: f.to ? dayStart(f.to, 1) : '' };
}

function detailCell(detail: unknown): Node | string {
  if (detail === null || detail === undefined) return '';
  const text = JSON.stringify(detail);
  if (text === '{}') return '';
  if (text.length <= 80) return h('code', { class: 'audit-detail' }, text);
  return h('details', { class: 'audit-detail' },
    h('summary', null, h('code', null, `${text.slice(0, 60)}…`)),
    h('pre', null, JSON.stringify(detail, null, 2)));
}

export function actionLabel(action: string): string {
  const label = t(`admin-action-${action}`);
  return label === `admin-action-${action}` ? action : label;
}

export async function auditPage(ctx: Context): Promise<View> {
  let filters: Filters = {
    actor: ctx.params.get('actor') ?? '',
    action: ctx.params.get('action') ?? '',
    from: ctx.params.get('from') ?? '',
    to: ctx.params.get('to') ?? '',
  };
  const [first, users] = await Promise.all([
    admin.audit({ ...apiParams(filters), limit: PAGE }),
    ctx.access.has('users_read') ? admin.users() : Promise.resolve<AdminUser[]>([]),
  ]);
  const csv = h('a', { class: 'btn export-csv', href: admin.auditCsvUrl(apiParams(filters)), download: 'deskmate-audit.csv' }, t('admin-export-csv'));
  const verify = h('button', { type: 'button', class: 'btn verify-audit' }, t('admin-audit-verify'));
  const p = page('audit-page', t('admin-audit-title'), t('admin-audit-lead'), [verify, csv]);
  const verifyResult = statusLine('verify-result');
  verify.addEventListener('click', () => {
    verify.disabled = true;
    verifyResult.textContent = t('admin-audit-verifying');
    admin.verifyAudit().then(
      (r) => {
        verifyResult.textContent = r.intact
          ? t('admin-audit-intact', { events: formatNumber(r.events ?? 0) })
          : t('admin-audit-broken', { seq: r.broken_at ?? 0, reason: r.reason ?? '' });
        verifyResult.classList.toggle('bad', !r.intact);
      },
      (error: unknown) => {
        verifyResult.textContent = error instanceof ApiError ? error.detail : t('error-generic');
      },
    ).finally(() => {
      verify.disabled = false;
    });
  });

  const actor = users.length
    ? selectField({ name: 'actor', label: t('admin-audit-actor'), value: filters.actor,
      choices: [{ value: '', label: t('admin-filter-anyone') }, ...users.map((u) => ({ value: u.id, label: `${fullName(u)} (${u.email})` }))] })
    : textField({ name: 'actor', label: t('admin-audit-actor-id'), value: filters.actor, spellcheck: false });
  const action = selectField({ name: 'action', label: t('admin-audit-action'), value: filters.action,
    choices: [{ value: '', label: t('admin-filter-any') }, ...AUDIT_ACTIONS.map((a) => ({ value: a, label: actionLabel(a) }))] });
  const from = textField({ name: 'from', label: t('admin-filter-from'), value: filters.from, type: 'date' });
  const to = textField({ name: 'to', label: t('admin-filter-to'), value: filters.to, type: 'date' });

  const columns: Column<AuditEvent>[] = [
    { key: 'at', label: t('admin-col-time'), className: 'col-time', cell: (e) => h('div', null, formatDateTime(e.at), subline(`#${e.seq}`)) },
    { key: 'actor', label: t('admin-col-actor'), className: 'col-actor',
      cell: (e) => (e.actor ? h('div', { class: 'cell-person' }, h('span', null, e.actor_name ?? e.actor), e.actor_email ? subline(e.actor_email) : null) : t('admin-audit-system')) },
    { key: 'action', label: t('admin-col-action'), className: 'col-action', cell: (e) => h('span', { 'data-action': e.action }, actionLabel(e.action)) },
    { key: 'target', label: t('admin-col-target'), className: 'col-target', cell: (e) => (e.target ? subline(e.target, 'cell-id') : '') },
    { key: 'detail', label: t('admin-col-detail'), className: 'col-detail', cell: (e) => detailCell(e.detail) },
    { key: 'source', label: t('admin-col-source'), className: 'col-source', cell: (e) => e.source_addr ?? '' },
  ];
  const table = new DataTable<AuditEvent>({ caption: t('admin-audit-title'), columns, className: 'audit-table', rowId: (e) => String(e.seq) });
  const empty = h('div');
  const count = h('p', { class: 'help result-count', role: 'status' });
  const older = h('button', { type: 'button', class: 'btn load-older' }, t('admin-audit-older'));
  let events: AuditEvent[] = [];
  let more = false;
  const show = (): void => {
    table.setRows(events);
    table.element.hidden = events.length === 0;
    older.hidden = !more;
    count.textContent = t('admin-audit-count', { count: events.length });
    empty.replaceChildren(...(events.length ? [] : [emptyState(t('admin-audit-none'), t('admin-audit-none-text'))]));
    csv.href = admin.auditCsvUrl(apiParams(filters));
  };
  const load = async (next: Filters): Promise<void> => {
    form.clearErrors();
    table.setBusy(true);
    try {
      const page = await admin.audit({ ...apiParams(next), limit: PAGE });
      filters = next;
      events = page;
      more = page.length === PAGE;
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(filters)) if (v) params.set(k, v);
      ctx.replaceParams(params);
      show();
    } catch (error) {
      table.setBusy(false);
      form.showError(error);
    }
  };
  older.addEventListener('click', () => {
    const last = events[events.length - 1];
    if (!last) return;
    older.disabled = true;
    admin.audit({ ...apiParams(filters), before: last.seq, limit: PAGE }).then(
      (page) => {
        events = [...events, ...page];
        more = page.length === PAGE;
        show();
      },
      (error: unknown) => form.showError(error),
    ).finally(() => {
      older.disabled = false;
    });
  });
  const apply = h('button', { type: 'submit', class: 'btn btn-primary filter-apply' }, t('admin-filter-apply'));
  const clear = h('button', { type: 'button', class: 'btn filter-clear' }, t('admin-filter-clear'));
  const form: Form = new Form('audit-filters', t('admin-filters'), () =>
    load({ actor: actor.input.value.trim(), action: action.input.value, from: from.input.value, to: to.input.value }));
  const row = h('div', { class: 'filter-row' });
  form.add([actor, action, from, to], row);
  form.element.append(row, h('div', { class: 'filter-actions' }, apply, clear));
  for (const select of [actor.input, action.input]) {
    if (select instanceof HTMLSelectElement) select.addEventListener('change', () => form.element.requestSubmit());
  }
  clear.addEventListener('click', () => {
    for (const input of [actor.input, action.input, from.input, to.input]) input.value = '';
    void load({ actor: '', action: '', from: '', to: '' });
  });
  events = first;
  more = first.length === PAGE;
  show();
  p.root.append(verifyResult, form.element, count, table.element, empty, older);
  return { element: p.root, heading: p.heading, title: t('admin-audit-title') };
}
