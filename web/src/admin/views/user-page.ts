// One user (or a new one): profile fields and group membership in one form;
// sign-in and security actions (reset password, reset two-step
// verification, sign out everywhere, disable or enable the account), each
// confirmed first. Every field error comes from the server.
import { ApiError } from '../../api';
import { t } from '../../i18n';
import { h } from '../../ui/dom';
import { fullName } from '../../ui/profile-card';
import * as admin from '../admin-api';
import type { Context } from '../routes';
import type { AdminUser, Group } from '../types';
import { confirmDialog, openDialog } from '../ui/dialog';
import { Form, checkList, textField } from '../ui/form';
import { type View, page, readOnlyNote, statusLine } from '../ui/page';

function profileFields(user: AdminUser | null, disabled: boolean) {
  const text = (name: string, label: string, value: string, required = false, autocomplete = 'off') =>
    textField({ name, label, value, required, disabled, maxLength: 100, autocomplete });
  return {
    first: text('first_name', t('admin-user-first-name'), user?.first_name ?? '', true),
    last: text('last_name', t('admin-user-last-name'), user?.last_name ?? '', true),
    job: text('job_title', t('admin-user-job-title'), user?.job_title ?? ''),
    company: text('company_name', t('admin-user-company'), user?.company_name ?? ''),
  };
}

function groupList(groups: Group[], selected: string[], disabled: boolean) {
  return checkList({
    name: 'groups',
    label: t('admin-user-groups'),
    help: t('admin-user-groups-help'),
    items: groups.map((g) => ({ value: g.id, label: g.name })),
    selected,
    disabled,
    empty: t('admin-user-no-groups'),
  });
}

async function newUserPage(ctx: Context): Promise<View> {
  const groups = await admin.groups();
  const p = page('user-page new-user-page', t('admin-users-new'), t('admin-user-new-lead'));
  const email = textField({ name: 'email', label: t('admin-user-email'), value: '', type: 'email', required: true, autocomplete: 'off', spellcheck: false });
  const f = profileFields(null, false);
  const password = textField({ name: 'password', label: t('admin-user-password'), help: t('admin-user-password-help'), value: '', type: 'password', autocomplete: 'new-password' });
  const memberOf = groupList(groups, [], false);
  const create = h('button', { type: 'submit', class: 'btn btn-primary user-create' }, t('admin-create'));
  const form = new Form('user-form', t('admin-users-new'), async () => {
    form.clearErrors();
    create.disabled = true;
    try {
      const pw = password.input.value;
      const user = await admin.createUser({
        email: email.input.value.trim(),
        first_name: f.first.input.value,
        last_name: f.last.input.value,
        job_title: f.job.input.value,
        company_name: f.company.input.value,
        ...(pw ? { password: pw } : {}),
        groups: memberOf.values(),
      });
      ctx.setFlash(t('admin-user-created', { name: fullName(user) }));
      ctx.navigate(`#/users/${user.id}`);
    } catch (error) {
      form.showError(error, 'email');
    } finally {
      create.disabled = false;
    }
  });
  form.add([email, f.first, f.last, f.job, f.company, password, memberOf]);
  form.element.append(h('div', { class: 'form-actions' }, create, h('a', { href: '#/users', class: 'btn' }, t('admin-cancel'))));
  p.root.append(h('div', { class: 'card form-card' }, form.element));
  return { element: p.root, heading: p.heading, title: t('admin-users-new') };
}

/** Asks for a new password and sets it; resolves when the dialog closes. */
async function resetPasswordDialog(user: AdminUser): Promise<boolean> {
  const field = textField({ name: 'password', label: t('admin-user-new-password'), help: t('admin-user-password-rules'), value: '', type: 'password', autocomplete: 'new-password', required: true });
  const cancel = h('button', { type: 'button', class: 'btn' }, t('admin-cancel'));
  const set = h('button', { type: 'submit', class: 'btn btn-primary password-set' }, t('admin-user-set-password'));
  let done = false;
  const form = new Form('password-form', t('admin-user-reset-password'), async () => {
    set.disabled = true;
    try {
      await admin.resetPassword(user.id, field.input.value);
      done = true;
      dialog.close('ok');
    } catch (error) {
      form.showError(error);
    } finally {
      set.disabled = false;
    }
  });
  form.add([field]);
  form.element.append(h('div', { class: 'dialog-actions' }, cancel, set));
  const dialog = openDialog({ title: t('admin-user-reset-password-title', { name: fullName(user) }), body: [h('p', null, t('admin-user-reset-password-text')), form.element], className: 'password-dialog' }, []);
  cancel.addEventListener('click', () => dialog.close('cancel'));
  field.input.focus();
  await dialog.closed;
  return done;
}

export async function userPage(ctx: Context, id: string | undefined): Promise<View> {
  if (id === 'new') {
    if (!ctx.access.has('users_write')) throw new ApiError(403, t('admin-refused-page'), null);
    return newUserPage(ctx);
  }
  const [user, groups] = await Promise.all([admin.user(id ?? ''), admin.groups()]);
  const canWrite = ctx.access.has('users_write');
  const disabled = !canWrite;
  const reload = (): void => ctx.navigate(`#/users/${user.id}`);
  const p = page('user-page', fullName(user), user.email, [h('a', { href: '#/users', class: 'btn' }, t('admin-back-to-users'))]);
  if (!canWrite) p.root.append(readOnlyNote());
  if (ctx.flash) p.root.append(h('p', { class: 'status-line flash', role: 'status' }, ctx.flash));

  const email = textField({ name: 'email', label: t('admin-user-email'), help: t('admin-user-email-fixed'), value: user.email, disabled: true });
  const f = profileFields(user, disabled);
  const before = groups.filter((g) => g.members.includes(user.id)).map((g) => g.id);
  const memberOf = groupList(groups, before, disabled);
  const status = statusLine();
  const save = h('button', { type: 'submit', class: 'btn btn-primary user-save' }, t('admin-save'));
  const form = new Form('user-form', t('admin-user-profile'), async () => {
    form.clearErrors();
    status.textContent = '';
    save.disabled = true;
    try {
      await admin.changeUser(user.id, {
        first_name: f.first.input.value,
        last_name: f.last.input.value,
        job_title: f.job.input.value,
        company_name: f.company.input.value,
      });
      const after = memberOf.values();
      for (const g of after.filter((g) => !before.includes(g))) await admin.addMember(g, user.id);
      for (const g of before.filter((g) => !after.includes(g))) await admin.removeMember(g, user.id);
      before.splice(0, before.length, ...after);
      status.textContent = t('admin-saved');
    } catch (error) {
      form.showError(error);
    } finally {
      save.disabled = false;
    }
  });
  form.add([email, f.first, f.last, f.job, f.company, memberOf]);
  if (canWrite) form.element.append(h('div', { class: 'form-actions' }, save, status));
  const profile = h('section', { class: 'card form-card', 'aria-labelledby': 'profile-title' }, h('h2', { id: 'profile-title' }, t('admin-user-profile')), form.element);

  const security = h('section', { class: 'card security-card', 'aria-labelledby': 'security-title' });
  const securityStatus = statusLine('security-status');
  const securityError = h('p', { class: 'form-error security-error', role: 'alert' });
  const action = (className: string, label: string, run: () => Promise<void>, danger = false): HTMLButtonElement => {
    const b = h('button', { type: 'button', class: `btn ${danger ? 'btn-danger' : ''} ${className}` }, label);
    b.addEventListener('click', () => {
      securityError.textContent = '';
      securityStatus.textContent = '';
      run().catch((error: unknown) => {
        securityError.textContent = error instanceof ApiError ? error.detail : t('error-generic');
      });
    });
    return b;
  };
  const fact = (label: string, value: string, button?: HTMLElement) =>
    h('div', { class: 'security-row' }, h('div', null, h('p', { class: 'fact-label' }, label), h('p', { class: 'fact-value' }, value)), canWrite ? button ?? null : null);
  security.append(
    h('h2', { id: 'security-title' }, t('admin-user-security')),
    fact(t('admin-user-password'), user.has_password ? t('admin-user-password-set') : t('admin-user-password-unset'),
      action('reset-password', t('admin-user-reset-password'), async () => {
        if (await resetPasswordDialog(user)) securityStatus.textContent = t('admin-user-password-was-reset');
      })),
    fact(t('admin-user-totp'), user.totp_enabled ? t('admin-on') : t('admin-off'),
      user.totp_enabled ? action('reset-totp', t('admin-user-reset-totp'), async () => {
        if (!await confirmDialog({ title: t('admin-user-reset-totp-title'), message: t('admin-user-reset-totp-text', { name: fullName(user) }), confirm: t('admin-user-reset-totp'), danger: true })) return;
        await admin.resetTotp(user.id);
        ctx.setFlash(t('admin-user-totp-was-reset'));
        reload();
      }) : undefined),
    fact(t('admin-user-sign-ins'), t('admin-user-sign-ins-text'),
      action('revoke-sessions', t('admin-user-revoke'), async () => {
        if (!await confirmDialog({ title: t('admin-user-revoke-title'), message: t('admin-user-revoke-text', { name: fullName(user) }), confirm: t('admin-user-revoke'), danger: true })) return;
        await admin.revokeSignIns(user.id);
        securityStatus.textContent = t('admin-user-revoked');
      })),
    fact(t('admin-user-account'), user.disabled ? t('admin-user-disabled') : t('admin-user-active'),
      user.disabled
        ? action('enable-user', t('admin-user-enable'), async () => {
          if (!await confirmDialog({ title: t('admin-user-enable-title'), message: t('admin-user-enable-text', { name: fullName(user) }), confirm: t('admin-user-enable') })) return;
          await admin.changeUser(user.id, { disabled: false });
          ctx.setFlash(t('admin-user-was-enabled'));
          reload();
        })
        : action('disable-user', t('admin-user-disable'), async () => {
          if (!await confirmDialog({ title: t('admin-user-disable-title'), message: t('admin-user-disable-text', { name: fullName(user) }), confirm: t('admin-user-disable'), danger: true })) return;
          await admin.changeUser(user.id, { disabled: true });
          ctx.setFlash(t('admin-user-was-disabled'));
          reload();
        }, true)),
    securityError,
    securityStatus,
  );
  p.root.append(h('div', { class: 'two-columns' }, profile, security));
  return { element: p.root, heading: p.heading, title: fullName(user) };
}
