// Tenant administration → Devices → Enrolment (SPEC §4): enrolment tokens
// let machines join the organisation with `deskmate device enrol`. New token
// shows the secret once, with the command to run; tokens can be revoked.
import { ApiError } from '../../api';
import { t } from '../../i18n';
import { h } from '../../ui/dom';
import * as admin from '../admin-api';
import { formatDateTime } from '../format';
import type { Context } from '../routes';
import type { EnrolmentToken } from '../types';
import { confirmDialog } from '../ui/dialog';
import { Form, textField } from '../ui/form';
import { type View, emptyState, page, readOnlyNote } from '../ui/page';
import { type Column, DataTable } from '../ui/table';
import { devicesTabs } from './devices-tabs';

function statusBadge(token: EnrolmentToken): HTMLElement {
  return h('span', { class: `state-badge ${token.status === 'active' ? 'state-active' : 'state-ended'} token-${token.status}` },
    t(`admin-token-${token.status}`));
}

export async function enrolmentPage(ctx: Context): Promise<View> {
  const tokens = await admin.enrolmentTokens();
  const canWrite = ctx.access.has('devices_write');
  const p = page('enrolment-page', t('admin-devices-title'), t('admin-enrolment-lead'));
  p.root.append(devicesTabs('enrolment'));
  if (!canWrite) p.root.append(readOnlyNote());

  const reveal = h('div', { class: 'token-reveal-slot' });
  if (canWrite) {
    const description = textField({ name: 'description', label: t('admin-token-description'), help: t('admin-token-description-help'), value: '', maxLength: 200 });
    const days = textField({ name: 'expires_in_days', label: t('admin-token-days'), value: '7', type: 'number', inputmode: 'numeric', min: 1, max: 365, suffix: t('admin-unit-days') });
    const uses = textField({ name: 'max_uses', label: t('admin-token-uses'), help: t('admin-token-uses-help'), value: '1', type: 'number', inputmode: 'numeric', min: 1, max: 100000 });
    const create = h('button', { type: 'submit', class: 'btn btn-primary token-create' }, t('admin-token-create'));
    const form = new Form('token-form', t('admin-token-new'), async () => {
      form.clearErrors();
      create.disabled = true;
      try {
        const made = await admin.createEnrolmentToken({
          description: description.input.value,
          expires_in_days: Number(days.input.value),
          max_uses: Number(uses.input.value),
        });
        const command = `deskmate device enrol --server ${location.origin} --token ${made.secret}`;
        const code = h('code', { class: 'token-command', dir: 'ltr' }, command);
        const copy = h('button', { type: 'button', class: 'btn token-copy' }, t('code-copy'));
        copy.addEventListener('click', () => void navigator.clipboard?.writeText(command));
        reveal.replaceChildren(h('div', { class: 'banner banner-info token-reveal', role: 'status' },
          h('div', { class: 'banner-text' },
            h('p', { class: 'banner-title' }, t('admin-token-made')),
            h('p', null, t('admin-token-once')),
            h('pre', { class: 'command' }, code),
            h('div', { class: 'banner-actions' }, copy))));
        description.input.value = '';
        tokens.unshift(made);
        table.setRows(tokens);
        table.element.hidden = false;
        empty.replaceChildren();
      } catch (error) {
        form.showError(error);
      } finally {
        create.disabled = false;
      }
    });
    form.add([description, days, uses]);
    form.element.append(h('div', { class: 'form-actions' }, create));
    p.root.append(h('section', { class: 'card form-card', 'aria-labelledby': 'token-new-title' },
      h('h2', { id: 'token-new-title' }, t('admin-token-new')), form.element), reveal);
  }

  const error = h('p', { class: 'form-error', role: 'alert' });
  const revoke = (token: EnrolmentToken): HTMLElement | string => {
    if (!canWrite || token.status === 'revoked') return '';
    const b = h('button', { type: 'button', class: 'btn btn-small btn-danger token-revoke' }, t('admin-token-revoke'));
    b.addEventListener('click', () => {
      void (async () => {
        error.textContent = '';
        if (!await confirmDialog({ title: t('admin-token-revoke-title'), message: t('admin-token-revoke-text'), confirm: t('admin-token-revoke'), danger: true })) return;
        try {
          await admin.revokeEnrolmentToken(token.id);
          ctx.navigate('#/enrolment');
        } catch (e) {
          error.textContent = e instanceof ApiError ? e.detail : t('error-generic');
        }
      })();
    });
    return b;
  };
  const columns: Column<EnrolmentToken>[] = [
    { key: 'description', label: t('admin-col-description'), className: 'col-description', cell: (k) => k.description || t('admin-none') },
    { key: 'status', label: t('admin-col-status'), className: 'col-status', cell: statusBadge },
    { key: 'uses', label: t('admin-col-uses'), className: 'col-uses num', cell: (k) => `${k.uses} / ${k.max_uses}` },
    { key: 'created', label: t('admin-col-created'), className: 'col-time', cell: (k) => formatDateTime(k.created_at) },
    { key: 'expires', label: t('admin-col-expires'), className: 'col-time', cell: (k) => formatDateTime(k.expires_at) },
    { key: 'actions', label: t('admin-col-actions'), className: 'col-actions', cell: revoke },
  ];
  const table = new DataTable<EnrolmentToken>({ caption: t('admin-tab-enrolment'), columns, className: 'tokens-table', rowId: (k) => k.id });
  table.setRows(tokens);
  table.element.hidden = tokens.length === 0;
  const empty = h('div', null, ...(tokens.length ? [] : [emptyState(t('admin-tokens-none'), t('admin-tokens-none-text'))]));
  p.root.append(h('h2', { class: 'section-title' }, t('admin-tokens-title')), error, table.element, empty);
  return { element: p.root, heading: p.heading, title: t('admin-tab-enrolment') };
}
