// Users and groups → Users: every person in the organisation with their
// groups, second factor and whether they can sign in; a search box; and
// New user for administrators. Each name opens the user's page.
import { t } from '../../i18n';
import { h } from '../../ui/dom';
import { fullName } from '../../ui/profile-card';
import * as admin from '../admin-api';
import type { Context } from '../routes';
import type { AdminUser, Group } from '../types';
import { type View, emptyState, linkButton, page, readOnlyNote } from '../ui/page';
import { type Column, DataTable, subline } from '../ui/table';
import { textField } from '../ui/form';

export { userPage } from './user-page';

function status(user: AdminUser): HTMLElement {
  return user.disabled
    ? h('span', { class: 'state-badge state-refused' }, t('admin-user-disabled'))
    : h('span', { class: 'state-badge state-active' }, t('admin-user-active'));
}

export async function usersPage(ctx: Context): Promise<View> {
  const [users, groups] = await Promise.all([admin.users(), admin.groups()]);
  const canWrite = ctx.access.has('users_write');
  const actions = canWrite ? [linkButton('#/users/new', t('admin-users-new'), 'btn btn-primary new-user')] : [];
  const p = page('users-page', t('admin-users-title'), t('admin-users-lead'), actions);
  if (!canWrite) p.root.append(readOnlyNote());
  const groupsOf = (user: AdminUser): Group[] => groups.filter((g) => g.members.includes(user.id));
  const columns: Column<AdminUser>[] = [
    { key: 'name', label: t('admin-col-name'), className: 'col-name',
      cell: (u) => h('div', { class: 'cell-person' }, h('a', { href: `#/users/${u.id}`, class: 'user-link' }, fullName(u)), u.job_title ? subline(u.job_title) : null) },
    { key: 'email', label: t('admin-col-email'), className: 'col-email', cell: (u) => u.email },
    { key: 'groups', label: t('admin-col-groups'), className: 'col-groups', cell: (u) => groupsOf(u).map((g) => g.name).join(', ') },
    { key: 'totp', label: t('admin-col-totp'), className: 'col-totp', cell: (u) => (u.totp_enabled ? t('admin-on') : t('admin-off')) },
    { key: 'status', label: t('admin-col-status'), className: 'col-status', cell: status },
  ];
  const table = new DataTable<AdminUser>({ caption: t('admin-users-title'), columns, className: 'users-table', rowId: (u) => u.id });
  const search = textField({ name: 'q', label: t('admin-users-search'), value: '', type: 'search', spellcheck: false });
  const count = h('p', { class: 'help result-count', role: 'status' });
  const empty = h('div');
  const filter = (): void => {
    const q = search.input.value.trim().toLocaleLowerCase();
    const shown = users.filter((u) => !q || `${fullName(u)} ${u.email} ${u.job_title ?? ''}`.toLocaleLowerCase().includes(q));
    table.setRows(shown);
    table.element.hidden = shown.length === 0;
    count.textContent = t('admin-users-count', { shown: shown.length, total: users.length });
    empty.replaceChildren(...(shown.length ? [] : [emptyState(t('admin-users-none-match'), t('admin-users-none-match-text'))]));
  };
  search.input.addEventListener('input', filter);
  filter();
  if (ctx.flash) p.root.append(h('p', { class: 'status-line flash', role: 'status' }, ctx.flash));
  p.root.append(h('div', { class: 'list-tools' }, search.root, count), table.element, empty);
  return { element: p.root, heading: p.heading, title: t('admin-users-title') };
}
