// Tenant administration → Roles (SPEC §5): the built-in roles (read-only)
// and custom roles with a Yes/No switch per permission. A role is saved
// with the ETag it was read with, so two administrators editing the same
// role at once cannot silently overwrite each other (412 → reload).
import { ApiError } from '../../api';
import { t } from '../../i18n';
import type { Permission } from '../../types';
import { h } from '../../ui/dom';
import * as admin from '../admin-api';
import { plain } from '../format';
import type { Context } from '../routes';
import { ADMIN_PERMISSIONS, REMOTE_HELP_PERMISSIONS, type Role } from '../types';
import { confirmDialog } from '../ui/dialog';
import { Field, Form, switchField, textArea, textField, type SwitchField } from '../ui/form';
import { type View, emptyState, isStale, linkButton, page, readOnlyNote, staleBanner, statusLine, subnav } from '../ui/page';
import { type Column, DataTable } from '../ui/table';

/** Roles | Assignments. */
export function rolesTabs(current: 'roles' | 'assignments'): HTMLElement {
  return subnav(t('admin-nav-roles'), [
    { href: '#/roles', label: t('admin-tab-roles'), current: current === 'roles', className: 'tab-roles' },
    { href: '#/assignments', label: t('admin-tab-assignments'), current: current === 'assignments', className: 'tab-assignments' },
  ]);
}

export async function rolesPage(ctx: Context): Promise<View> {
  const roles = await admin.roles();
  const canWrite = ctx.access.has('roles_write');
  const actions = canWrite ? [linkButton('#/roles/new', t('admin-roles-new'), 'btn btn-primary new-role')] : [];
  const p = page('roles-page', t('admin-roles-title'), t('admin-roles-lead'), actions);
  p.root.append(rolesTabs('roles'));
  if (!canWrite) p.root.append(readOnlyNote());
  if (ctx.flash) p.root.append(h('p', { class: 'status-line flash', role: 'status' }, ctx.flash));
  const columns: Column<Role>[] = [
    { key: 'name', label: t('admin-col-name'), className: 'col-name', cell: (r) => h('a', { href: `#/roles/${r.id}`, class: 'role-link' }, r.name) },
    { key: 'type', label: t('admin-col-type'), className: 'col-type',
      cell: (r) => h('span', { class: `state-badge ${r.built_in ? 'state-builtin' : 'state-custom'}` }, r.built_in ? t('admin-role-built-in') : t('admin-role-custom')) },
    { key: 'description', label: t('admin-col-description'), className: 'col-description', cell: (r) => r.description },
    { key: 'permissions', label: t('admin-col-permissions'), className: 'col-permissions',
      cell: (r) => r.permissions.map((perm) => t(`admin-perm-${perm}`)).join(', ') },
  ];
  const table = new DataTable<Role>({ caption: t('admin-roles-title'), columns, className: 'roles-table', rowId: (r) => r.id });
  table.setRows(roles);
  p.root.append(roles.length ? table.element : emptyState(t('admin-roles-none'), ''));
  return { element: p.root, heading: p.heading, title: t('admin-roles-title') };
}

function permissionGroup(title: string, permissions: readonly Permission[], selected: readonly Permission[], disabled: boolean): { element: HTMLElement; switches: SwitchField[] } {
  const switches = permissions.map((permission) => switchField({
    name: `perm-${permission}`,
    label: t(`admin-perm-${permission}`),
    help: t(`admin-perm-${permission}-help`),
    checked: selected.includes(permission),
    disabled,
  }));
  return { element: h('fieldset', { class: 'permission-group' }, h('legend', null, title), ...switches.map((s) => s.root)), switches };
}

function perm(s: SwitchField): Permission {
  return s.name.replace(/^perm-/, '') as Permission;
}

export async function rolePage(ctx: Context, id: string | undefined): Promise<View> {
  const canWrite = ctx.access.has('roles_write');
  const creating = id === 'new';
  if (creating && !canWrite) throw new ApiError(403, t('admin-refused-page'), null);
  // A new role may start as a copy of another (Duplicate).
  const from = creating ? ctx.params.get('from') : id ?? '';
  const loaded = from ? await admin.role(from) : null;
  let etag = creating ? null : loaded?.etag ?? null;
  const role: Role | null = loaded?.data ?? null;
  const builtIn = !creating && Boolean(role?.built_in);
  const editable = canWrite && !builtIn;
  const title = creating ? t('admin-roles-new') : role?.name ?? '';
  const p = page('role-page', title, creating ? t('admin-role-new-lead') : role?.description ?? '', [h('a', { href: '#/roles', class: 'btn' }, t('admin-back-to-roles'))]);
  if (!canWrite) p.root.append(readOnlyNote());
  if (ctx.flash) p.root.append(h('p', { class: 'status-line flash', role: 'status' }, ctx.flash));
  if (builtIn) {
    p.root.append(h('div', { class: 'banner banner-info built-in-note' },
      h('p', null, t('admin-role-built-in-note')),
      canWrite ? h('a', { href: `#/roles/new?from=${encodeURIComponent(role?.id ?? '')}`, class: 'btn duplicate-role' }, t('admin-role-duplicate')) : null));
  }
  const banner = h('div', { class: 'banner-slot' });
  const name = textField({ name: 'name', label: t('admin-col-name'), required: true, maxLength: 100, disabled: !editable,
    value: creating && role ? plain(t('admin-role-copy-name', { name: role.name })) : role?.name ?? '' });
  const description = textArea({ name: 'description', label: t('admin-col-description'), value: role?.description ?? '', maxLength: 500, disabled: !editable });
  const selected = role?.permissions ?? [];
  const remote = permissionGroup(t('admin-perm-group-remote'), REMOTE_HELP_PERMISSIONS, selected, !editable);
  const adminCentre = permissionGroup(t('admin-perm-group-admin'), ADMIN_PERMISSIONS, selected, !editable);
  const errorSlot = h('div', { class: 'permissions-error' });
  const permissionsBox = h('div', { class: 'field permissions-field', role: 'group', 'aria-labelledby': 'permissions-title' },
    h('h2', { id: 'permissions-title' }, t('admin-role-permissions')), errorSlot, remote.element, adminCentre.element);
  const permissionsField = new Field('permissions', permissionsBox, permissionsBox, null, errorSlot);
  const switches = [...remote.switches, ...adminCentre.switches];
  const status = statusLine();
  const save = h('button', { type: 'submit', class: 'btn btn-primary role-save' }, creating ? t('admin-create') : t('admin-save'));
  const form: Form = new Form('role-form', title, async () => {
    form.clearErrors();
    status.textContent = '';
    save.disabled = true;
    const body = { name: name.input.value, description: description.input.value, permissions: switches.filter((s) => s.input.checked).map(perm) };
    try {
      if (creating) {
        const made = await admin.createRole(body);
        ctx.setFlash(t('admin-role-created', { name: made.data.name }));
        ctx.navigate(`#/roles/${made.data.id}`);
        return;
      }
      const saved = await admin.saveRole(role?.id ?? '', body, etag);
      etag = saved.etag;
      p.heading.textContent = saved.data.name;
      status.textContent = t('admin-saved');
    } catch (error) {
      if (isStale(error)) {
        banner.replaceChildren(staleBanner(() => ctx.navigate(`#/roles/${role?.id ?? ''}`)));
        banner.querySelector<HTMLElement>('.stale-reload')?.focus();
        return;
      }
      form.showError(error, 'name');
    } finally {
      save.disabled = false;
    }
  });
  form.add([name, description, permissionsField]);
  if (editable) form.element.append(h('div', { class: 'form-actions' }, save, status));
  p.root.append(banner, h('div', { class: 'card form-card role-card' }, form.element));

  if (editable && !creating && role) {
    const remove = h('button', { type: 'button', class: 'btn btn-danger delete-role' }, t('admin-role-delete'));
    const deleteError = h('p', { class: 'form-error', role: 'alert' });
    remove.addEventListener('click', () => {
      void (async () => {
        if (!await confirmDialog({ title: t('admin-role-delete-title'), message: t('admin-role-delete-text', { name: role.name }), confirm: t('admin-role-delete'), danger: true })) return;
        try {
          await admin.deleteRole(role.id);
          ctx.setFlash(t('admin-role-deleted', { name: role.name }));
          ctx.navigate('#/roles');
        } catch (e) {
          deleteError.textContent = e instanceof ApiError ? e.detail : t('error-generic');
        }
      })();
    });
    p.root.append(h('section', { class: 'card danger-zone', 'aria-labelledby': 'danger-title' }, h('h2', { id: 'danger-title' }, t('admin-danger-zone')), h('p', { class: 'help' }, t('admin-role-delete-help')), remove, deleteError));
  }
  return { element: p.root, heading: p.heading, title };
}
