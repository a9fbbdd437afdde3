// Tenant administration → Roles → Assignments (SPEC §5): who holds a role
// (member groups) over whom (scope groups, All users, All devices). New and
// changed assignments go through a stepper — basics, members, scope,
// review — and are saved with their ETag (412 → reload).
import { ApiError } from '../../api';
import { t } from '../../i18n';
import { h } from '../../ui/dom';
import * as admin from '../admin-api';
import type { Context } from '../routes';
import type { Assignment, AssignmentBody, Group, Role } from '../types';
import { confirmDialog } from '../ui/dialog';
import { Form, checkList, selectField, switchField, textArea, textField } from '../ui/form';
import { type View, emptyState, isStale, linkButton, page, readOnlyNote, staleBanner, statusLine } from '../ui/page';
import { type Column, DataTable } from '../ui/table';
import { Stepper } from './assignment-stepper';
import { rolesTabs } from './roles';

function names(ids: string[], groups: Group[]): string {
  return ids.map((id) => groups.find((g) => g.id === id)?.name ?? id).join(', ');
}

function scopeText(a: AssignmentBody, groups: Group[]): string {
  const parts: string[] = [];
  if (a.all_users) parts.push(t('admin-assignment-all-users'));
  if (a.all_devices) parts.push(t('admin-assignment-all-devices'));
  if (a.scope_groups.length) parts.push(names(a.scope_groups, groups));
  return parts.join(', ') || t('admin-none');
}

export async function assignmentsPage(ctx: Context): Promise<View> {
  const [list, roles, groups] = await Promise.all([admin.assignments(), admin.roles(), admin.groups()]);
  const canWrite = ctx.access.has('roles_write');
  const actions = canWrite ? [linkButton('#/assignments/new', t('admin-assignments-new'), 'btn btn-primary new-assignment')] : [];
  const p = page('assignments-page', t('admin-roles-title'), t('admin-assignments-lead'), actions);
  p.root.append(rolesTabs('assignments'));
  if (!canWrite) p.root.append(readOnlyNote());
  if (ctx.flash) p.root.append(h('p', { class: 'status-line flash', role: 'status' }, ctx.flash));
  const columns: Column<Assignment>[] = [
    { key: 'name', label: t('admin-col-name'), className: 'col-name', cell: (a) => h('a', { href: `#/assignments/${a.id}`, class: 'assignment-link' }, a.name) },
    { key: 'role', label: t('admin-col-role'), className: 'col-role', cell: (a) => roles.find((r) => r.id === a.role_id)?.name ?? a.role_id },
    { key: 'members', label: t('admin-col-member-groups'), className: 'col-members', cell: (a) => names(a.member_groups, groups) },
    { key: 'scope', label: t('admin-col-scope'), className: 'col-scope', cell: (a) => scopeText(a, groups) },
  ];
  const table = new DataTable<Assignment>({ caption: t('admin-tab-assignments'), columns, className: 'assignments-table', rowId: (a) => a.id });
  table.setRows(list);
  p.root.append(list.length ? table.element : emptyState(t('admin-assignments-none'), t('admin-assignments-none-text')));
  return { element: p.root, heading: p.heading, title: t('admin-tab-assignments') };
}

export async function assignmentPage(ctx: Context, id: string | undefined): Promise<View> {
  const canWrite = ctx.access.has('roles_write');
  const creating = id === 'new';
  if (creating && !canWrite) throw new ApiError(403, t('admin-refused-page'), null);
  const [loaded, roles, groups] = await Promise.all([
    creating ? Promise.resolve(null) : admin.assignment(id ?? ''),
    admin.roles(),
    admin.groups(),
  ]);
  let etag = loaded?.etag ?? null;
  const current: Assignment | null = loaded?.data ?? null;
  const disabled = !canWrite;
  const title = current?.name ?? t('admin-assignments-new');
  const p = page('assignment-page', title, creating ? t('admin-assignment-new-lead') : current?.description ?? '',
    [h('a', { href: '#/assignments', class: 'btn' }, t('admin-back-to-assignments'))]);
  if (!canWrite) p.root.append(readOnlyNote());
  if (ctx.flash) p.root.append(h('p', { class: 'status-line flash', role: 'status' }, ctx.flash));
  const banner = h('div', { class: 'banner-slot' });

  const groupItems = groups.map((g) => ({ value: g.id, label: g.name, hint: t('admin-group-member-count', { count: g.members.length }) }));
  const name = textField({ name: 'name', label: t('admin-col-name'), value: current?.name ?? '', required: true, maxLength: 100, disabled });
  const description = textArea({ name: 'description', label: t('admin-col-description'), value: current?.description ?? '', maxLength: 500, disabled });
  const role = selectField({ name: 'role_id', label: t('admin-col-role'), value: current?.role_id ?? '', required: true, disabled,
    help: t('admin-assignment-role-help'),
    choices: [{ value: '', label: t('admin-assignment-choose-role') }, ...roles.map((r: Role) => ({ value: r.id, label: r.name }))] });
  const members = checkList({ name: 'member_groups', label: t('admin-col-member-groups'), help: t('admin-assignment-members-help'),
    items: groupItems, selected: current?.member_groups ?? [], disabled, empty: t('admin-assignment-no-groups') });
  const allUsers = switchField({ name: 'all_users', label: t('admin-assignment-all-users'), help: t('admin-assignment-all-users-help'), checked: current?.all_users ?? false, disabled });
  const allDevices = switchField({ name: 'all_devices', label: t('admin-assignment-all-devices'), help: t('admin-assignment-all-devices-help'), checked: current?.all_devices ?? false, disabled });
  const scope = checkList({ name: 'scope_groups', label: t('admin-assignment-scope-groups'), help: t('admin-assignment-scope-help'),
    items: groupItems, selected: current?.scope_groups ?? [], disabled, empty: t('admin-assignment-no-groups') });

  const body = (): AssignmentBody => ({
    name: name.input.value,
    description: description.input.value,
    role_id: role.input.value || null,
    member_groups: members.values(),
    scope_groups: scope.values(),
    all_users: allUsers.input.checked,
    all_devices: allDevices.input.checked,
  });
  const review = h('dl', { class: 'review' });
  const showReview = (): void => {
    const b = body();
    const row = (label: string, value: string) => [h('dt', null, label), h('dd', null, value || t('admin-none'))];
    review.replaceChildren(
      ...row(t('admin-col-name'), b.name.trim()),
      ...row(t('admin-col-description'), b.description.trim()),
      ...row(t('admin-col-role'), roles.find((r) => r.id === b.role_id)?.name ?? ''),
      ...row(t('admin-col-member-groups'), names(b.member_groups, groups)),
      ...row(t('admin-col-scope'), scopeText(b, groups)),
    );
  };

  const save = h('button', { type: 'submit', class: 'btn btn-primary assignment-save' }, creating ? t('admin-create') : t('admin-save'));
  const status = statusLine();
  const stepsBody = {
    basics: h('div', { class: 'step-fields' }),
    members: h('div', { class: 'step-fields' }),
    scope: h('div', { class: 'step-fields' }),
  };
  const stepper = new Stepper([
    { key: 'basics', title: t('admin-step-basics'), body: stepsBody.basics, fields: ['name', 'description', 'role_id'] },
    { key: 'members', title: t('admin-step-members'), body: stepsBody.members, fields: ['member_groups'] },
    { key: 'scope', title: t('admin-step-scope'), body: stepsBody.scope, fields: ['scope_groups', 'all_users', 'all_devices'] },
    { key: 'review', title: t('admin-step-review'), body: h('div', null, h('p', { class: 'help' }, t('admin-step-review-help')), review), fields: [], onShow: showReview },
  ], canWrite ? save : null);

  const form: Form = new Form('assignment-form', title, async () => {
    if (!stepper.atLast) {
      stepper.forward();
      return;
    }
    if (!canWrite) return;
    form.clearErrors();
    stepper.markErrors([]);
    status.textContent = '';
    save.disabled = true;
    try {
      if (creating) {
        const made = await admin.createAssignment(body());
        ctx.setFlash(t('admin-assignment-created', { name: made.data.name }));
        ctx.navigate(`#/assignments/${made.data.id}`);
        return;
      }
      const saved = await admin.saveAssignment(current?.id ?? '', body(), etag);
      etag = saved.etag;
      p.heading.textContent = saved.data.name;
      status.textContent = t('admin-saved');
    } catch (error) {
      if (isStale(error)) {
        banner.replaceChildren(staleBanner(() => ctx.navigate(`#/assignments/${current?.id ?? ''}`)));
        banner.querySelector<HTMLElement>('.stale-reload')?.focus();
        return;
      }
      const fields = error instanceof ApiError
        ? (error.problem?.errors ?? []).map((e) => e.field.replace(/\[\d+\]$/, ''))
        : [];
      if (!fields.length && error instanceof ApiError && error.status === 409) fields.push('name');
      stepper.markErrors(fields);
      stepper.showFieldStep(fields);
      form.showError(error, 'name');
    } finally {
      save.disabled = false;
    }
  });
  form.add([name, description, role], stepsBody.basics);
  form.add([members], stepsBody.members);
  form.add([allUsers, allDevices, scope], stepsBody.scope);
  form.element.append(stepper.element, status);
  p.root.append(banner, h('div', { class: 'card form-card assignment-card' }, form.element));

  if (canWrite && current) {
    const remove = h('button', { type: 'button', class: 'btn btn-danger delete-assignment' }, t('admin-assignment-delete'));
    const deleteError = h('p', { class: 'form-error', role: 'alert' });
    remove.addEventListener('click', () => {
      void (async () => {
        if (!await confirmDialog({ title: t('admin-assignment-delete-title'), message: t('admin-assignment-delete-text', { name: current.name }), confirm: t('admin-assignment-delete'), danger: true })) return;
        try {
          await admin.deleteAssignment(current.id);
          ctx.setFlash(t('admin-assignment-deleted', { name: current.name }));
          ctx.navigate('#/assignments');
        } catch (e) {
          deleteError.textContent = e instanceof ApiError ? e.detail : t('error-generic');
        }
      })();
    });
    p.root.append(h('section', { class: 'card danger-zone', 'aria-labelledby': 'danger-title' }, h('h2', { id: 'danger-title' }, t('admin-danger-zone')), h('p', { class: 'help' }, t('admin-assignment-delete-help')), remove, deleteError));
  }
  return { element: p.root, heading: p.heading, title };
}
