// Users and groups → Groups: the organisation's groups with their member
// counts; a group's page renames it, lists, adds and removes members, and
// deletes it (the Administrators group keeps its name and cannot be deleted).
import { ApiError } from '../../api';
import { t } from '../../i18n';
import { h } from '../../ui/dom';
import { fullName } from '../../ui/profile-card';
import * as admin from '../admin-api';
import type { Context } from '../routes';
import type { AdminUser, Group } from '../types';
import { confirmDialog } from '../ui/dialog';
import { Form, selectField, textArea, textField } from '../ui/form';
import { type View, emptyState, linkButton, page, readOnlyNote, statusLine } from '../ui/page';
import { type Column, DataTable, subline } from '../ui/table';

const ADMINISTRATORS = 'Administrators';

export async function groupsPage(ctx: Context): Promise<View> {
  const groups = await admin.groups();
  const canWrite = ctx.access.has('users_write');
  const actions = canWrite ? [linkButton('#/groups/new', t('admin-groups-new'), 'btn btn-primary new-group')] : [];
  const p = page('groups-page', t('admin-groups-title'), t('admin-groups-lead'), actions);
  if (!canWrite) p.root.append(readOnlyNote());
  if (ctx.flash) p.root.append(h('p', { class: 'status-line flash', role: 'status' }, ctx.flash));
  const columns: Column<Group>[] = [
    { key: 'name', label: t('admin-col-name'), className: 'col-name', cell: (g) => h('a', { href: `#/groups/${g.id}`, class: 'group-link' }, g.name) },
    { key: 'description', label: t('admin-col-description'), className: 'col-description', cell: (g) => g.description },
    { key: 'members', label: t('admin-col-members'), className: 'col-members num', cell: (g) => String(g.members.length) },
  ];
  const table = new DataTable<Group>({ caption: t('admin-groups-title'), columns, className: 'groups-table', rowId: (g) => g.id });
  table.setRows(groups);
  p.root.append(groups.length ? table.element : emptyState(t('admin-groups-none'), t('admin-groups-none-text')));
  return { element: p.root, heading: p.heading, title: t('admin-groups-title') };
}

function detailsForm(group: Group | null, disabled: boolean, done: (g: Group) => void): Form {
  const name = textField({ name: 'name', label: t('admin-col-name'), value: group?.name ?? '', required: true, maxLength: 100,
    disabled: disabled || group?.name === ADMINISTRATORS, ...(group?.name === ADMINISTRATORS ? { help: t('admin-group-admins-fixed') } : {}) });
  const description = textArea({ name: 'description', label: t('admin-col-description'), value: group?.description ?? '', maxLength: 500, disabled });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary group-save' }, group ? t('admin-save') : t('admin-create'));
  const status = statusLine();
  const form: Form = new Form('group-form', group ? t('admin-group-details') : t('admin-groups-new'), async () => {
    form.clearErrors();
    status.textContent = '';
    submit.disabled = true;
    try {
      const saved = group
        ? await admin.changeGroup(group.id, name.input.value, description.input.value)
        : await admin.createGroup(name.input.value, description.input.value);
      status.textContent = t('admin-saved');
      done(saved);
    } catch (error) {
      form.showError(error, 'name');
    } finally {
      submit.disabled = false;
    }
  });
  form.add([name, description]);
  if (!disabled) {
    form.element.append(h('div', { class: 'form-actions' }, submit, group ? status : h('a', { href: '#/groups', class: 'btn' }, t('admin-cancel'))));
  }
  return form;
}

export async function groupPage(ctx: Context, id: string | undefined): Promise<View> {
  const canWrite = ctx.access.has('users_write');
  if (id === 'new') {
    if (!canWrite) throw new ApiError(403, t('admin-refused-page'), null);
    const p = page('group-page new-group-page', t('admin-groups-new'), t('admin-group-new-lead'));
    const form = detailsForm(null, false, (g) => {
      ctx.setFlash(t('admin-group-created', { name: g.name }));
      ctx.navigate(`#/groups/${g.id}`);
    });
    p.root.append(h('div', { class: 'card form-card' }, form.element));
    return { element: p.root, heading: p.heading, title: t('admin-groups-new') };
  }
  const [group, users] = await Promise.all([admin.group(id ?? ''), admin.users()]);
  const reload = (): void => ctx.navigate(`#/groups/${group.id}`);
  const p = page('group-page', group.name, group.description || t('admin-group-lead'), [h('a', { href: '#/groups', class: 'btn' }, t('admin-back-to-groups'))]);
  if (!canWrite) p.root.append(readOnlyNote());
  if (ctx.flash) p.root.append(h('p', { class: 'status-line flash', role: 'status' }, ctx.flash));
  const details = detailsForm(group, !canWrite, (g) => {
    p.heading.textContent = g.name;
  });

  const error = h('p', { class: 'form-error members-error', role: 'alert' });
  const members = users.filter((u) => group.members.includes(u.id));
  const columns: Column<AdminUser>[] = [
    { key: 'name', label: t('admin-col-name'), className: 'col-name', cell: (u) => h('div', { class: 'cell-person' }, h('a', { href: `#/users/${u.id}` }, fullName(u)), subline(u.email)) },
  ];
  if (canWrite) {
    columns.push({ key: 'remove', label: t('admin-col-actions'), className: 'col-actions', cell: (u) => {
      const b = h('button', { type: 'button', class: 'btn btn-small remove-member', 'aria-label': t('admin-group-remove-named', { name: fullName(u) }) }, t('admin-group-remove'));
      b.addEventListener('click', () => {
        void (async () => {
          if (!await confirmDialog({ title: t('admin-group-remove-title'), message: t('admin-group-remove-text', { name: fullName(u), group: group.name }), confirm: t('admin-group-remove'), danger: true })) return;
          try {
            await admin.removeMember(group.id, u.id);
            ctx.setFlash(t('admin-group-member-removed', { name: fullName(u) }));
            reload();
          } catch (e) {
            error.textContent = e instanceof ApiError ? e.detail : t('error-generic');
          }
        })();
      });
      return b;
    } });
  }
  const table = new DataTable<AdminUser>({ caption: t('admin-group-members'), columns, className: 'members-table', rowId: (u) => u.id });
  table.setRows(members);
  const section = h('section', { class: 'card members-card', 'aria-labelledby': 'members-title' },
    h('h2', { id: 'members-title' }, t('admin-group-members-count', { count: members.length })),
    members.length ? table.element : h('p', { class: 'help' }, t('admin-group-no-members')),
    error,
  );
  const others = users.filter((u) => !group.members.includes(u.id));
  if (canWrite && others.length) {
    const pick = selectField({ name: 'user', label: t('admin-group-add-who'), value: '',
      choices: [{ value: '', label: t('admin-group-add-choose') }, ...others.map((u) => ({ value: u.id, label: `${fullName(u)} (${u.email})` }))] });
    const add = h('button', { type: 'submit', class: 'btn add-member' }, t('admin-group-add'));
    const addForm: Form = new Form('add-member-form', t('admin-group-add'), async () => {
      addForm.clearErrors();
      if (!pick.input.value) {
        pick.setError(t('admin-group-add-pick'));
        pick.focus();
        return;
      }
      try {
        await admin.addMember(group.id, pick.input.value);
        ctx.setFlash(t('admin-group-member-added'));
        reload();
      } catch (e) {
        addForm.showError(e, 'user');
      }
    });
    addForm.add([pick]);
    addForm.element.append(add);
    section.append(addForm.element);
  }
  const parts: HTMLElement[] = [
    h('section', { class: 'card form-card', 'aria-labelledby': 'details-title' }, h('h2', { id: 'details-title' }, t('admin-group-details')), details.element),
    section,
  ];
  if (canWrite && group.name !== ADMINISTRATORS) {
    const remove = h('button', { type: 'button', class: 'btn btn-danger delete-group' }, t('admin-group-delete'));
    const deleteError = h('p', { class: 'form-error', role: 'alert' });
    remove.addEventListener('click', () => {
      void (async () => {
        if (!await confirmDialog({ title: t('admin-group-delete-title'), message: t('admin-group-delete-text', { name: group.name }), confirm: t('admin-group-delete'), danger: true })) return;
        try {
          await admin.deleteGroup(group.id);
          ctx.setFlash(t('admin-group-deleted', { name: group.name }));
          ctx.navigate('#/groups');
        } catch (e) {
          deleteError.textContent = e instanceof ApiError ? e.detail : t('error-generic');
        }
      })();
    });
    parts.push(h('section', { class: 'card danger-zone', 'aria-labelledby': 'danger-title' }, h('h2', { id: 'danger-title' }, t('admin-danger-zone')), h('p', { class: 'help' }, t('admin-group-delete-help')), remove, deleteError));
  }
  p.root.append(h('div', { class: 'two-columns' }, ...parts));
  return { element: p.root, heading: p.heading, title: group.name };
}
