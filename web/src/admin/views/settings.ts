// Tenant administration → Remote help → Settings (SPEC §2): turn remote
// help on, allow unenrolled devices, disable chat, code lifetime,
// retention, minimum and recommended client versions. Saved with the
// ETag it was read with: if someone else saved in between, the server
// answers 412 and the page offers to reload their version.
import type { Answer } from '../../api';
import { t } from '../../i18n';
import { h } from '../../ui/dom';
import * as admin from '../admin-api';
import { formatDateTime } from '../format';
import type { Context } from '../routes';
import type { Settings } from '../types';
import { Form, switchField, textField } from '../ui/form';
import { type View, isStale, page, readOnlyNote, staleBanner, statusLine } from '../ui/page';
import { remoteHelpTabs } from './remote-help-tabs';

export async function settingsPage(ctx: Context): Promise<View> {
  const answer: Answer<Settings> = await admin.settings();
  let etag = answer.etag;
  let current = answer.data;
  const canWrite = ctx.access.has('settings_write');
  const p = page('settings-page', t('admin-remote-help-title'), t('admin-settings-lead'));
  p.root.append(remoteHelpTabs(ctx.access, 'settings'));
  if (!canWrite) p.root.append(readOnlyNote());
  const disabled = !canWrite;

  const enabled = switchField({ name: 'remote_help_enabled', label: t('admin-settings-enabled'),
    help: t('admin-settings-enabled-help'), checked: current.remote_help_enabled, disabled });
  const unenrolled = switchField({ name: 'allow_unenrolled_devices', label: t('admin-settings-unenrolled'),
    help: t('admin-settings-unenrolled-help'), checked: current.allow_unenrolled_devices, disabled });
  const chatOff = switchField({ name: 'chat_disabled', label: t('admin-settings-chat-disabled'),
    help: t('admin-settings-chat-disabled-help'), checked: current.chat_disabled, disabled });
  const unencrypted = switchField({ name: 'allow_unencrypted_sessions', label: t('admin-settings-unencrypted'),
    help: t('admin-settings-unencrypted-help'), checked: current.allow_unencrypted_sessions, disabled });
  const lifetime = textField({ name: 'code_lifetime_secs', label: t('admin-settings-code-lifetime'),
    help: t('admin-settings-code-lifetime-help'), value: String(current.code_lifetime_secs / 60), type: 'number',
    inputmode: 'numeric', min: 1, max: 60, suffix: t('admin-unit-minutes'), disabled });
  const retention = textField({ name: 'retention_days', label: t('admin-settings-retention'),
    help: t('admin-settings-retention-help'), value: String(current.retention_days), type: 'number',
    inputmode: 'numeric', min: 1, max: 3650, suffix: t('admin-unit-days'), disabled });
  const minimum = textField({ name: 'min_client_version', label: t('admin-settings-min-version'),
    help: t('admin-settings-min-version-help'), value: current.min_client_version ?? '', placeholder: '1.4.0',
    spellcheck: false, disabled });
  const recommended = textField({ name: 'recommended_client_version', label: t('admin-settings-recommended-version'),
    help: t('admin-settings-recommended-version-help'), value: current.recommended_client_version ?? '',
    placeholder: '1.5.0', spellcheck: false, disabled });

  const status = statusLine();
  const updated = h('p', { class: 'help settings-updated' });
  const showUpdated = (): void => {
    updated.textContent = t('admin-settings-updated', { time: formatDateTime(current.updated_at) });
  };
  showUpdated();
  const banner = h('div', { class: 'banner-slot' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary settings-save' }, t('admin-save'));

  const whole = (field: typeof lifetime, factor: number): number | null => {
    const text = field.input.value.trim();
    const value = Number(text);
    if (!text || !Number.isFinite(value)) return null;
    return Math.round(value * factor);
  };

  const form = new Form('settings-form', t('admin-tab-settings'), async () => {
    if (!canWrite) return;
    form.clearErrors();
    status.textContent = '';
    const secs = whole(lifetime, 60);
    const days = whole(retention, 1);
    if (secs === null || days === null) {
      if (secs === null) lifetime.setError(t('admin-number-needed'));
      if (days === null) retention.setError(t('admin-number-needed'));
      (secs === null ? lifetime : retention).focus();
      return;
    }
    save.disabled = true;
    try {
      const saved = await admin.saveSettings({
        remote_help_enabled: enabled.input.checked,
        allow_unenrolled_devices: unenrolled.input.checked,
        chat_disabled: chatOff.input.checked,
        allow_unencrypted_sessions: unencrypted.input.checked,
        code_lifetime_secs: secs,
        retention_days: days,
        min_client_version: minimum.input.value.trim(),
        recommended_client_version: recommended.input.value.trim(),
      }, etag);
      etag = saved.etag;
      current = saved.data;
      showUpdated();
      status.textContent = t('admin-saved');
    } catch (error) {
      if (isStale(error)) {
        banner.replaceChildren(staleBanner(() => ctx.navigate('#/remote-help/settings')));
        banner.querySelector<HTMLElement>('.stale-reload')?.focus();
      } else {
        form.showError(error);
      }
    } finally {
      save.disabled = false;
    }
  });

  const group = (title: string, ...children: HTMLElement[]): HTMLElement =>
    h('fieldset', { class: 'settings-group card' }, h('legend', null, title), ...children);
  const switches = group(t('admin-settings-group-access'));
  const codes = group(t('admin-settings-group-codes'));
  const clients = group(t('admin-settings-group-clients'));
  form.add([enabled, unenrolled, chatOff, unencrypted], switches);
  form.add([lifetime, retention], codes);
  form.add([minimum, recommended], clients);
  form.element.append(switches, codes, clients);
  if (canWrite) form.element.append(h('div', { class: 'form-actions' }, save, status));
  form.element.append(updated);
  p.root.append(banner, form.element);
  return { element: p.root, heading: p.heading, title: t('admin-tab-settings') };
}
