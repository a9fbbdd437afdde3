// Tenant administration → Devices → Compliance policy (SPEC §4): what an
// enrolled device must meet — disk encryption, a firewall, screen lock, at
// most so many pending security updates, a recent report. Saved with the
// ETag it was read with; saving re-evaluates every device at once.
import type { Answer } from '../../api';
import { t } from '../../i18n';
import { h } from '../../ui/dom';
import * as admin from '../admin-api';
import { formatDateTime } from '../format';
import type { Context } from '../routes';
import type { CompliancePolicy } from '../types';
import { Form, switchField, textField } from '../ui/form';
import { type View, isStale, page, readOnlyNote, staleBanner, statusLine } from '../ui/page';
import { devicesTabs } from './devices-tabs';

export async function compliancePage(ctx: Context): Promise<View> {
  const answer: Answer<CompliancePolicy> = await admin.compliancePolicy();
  let etag = answer.etag;
  let current = answer.data;
  const canWrite = ctx.access.has('devices_write');
  const disabled = !canWrite;
  const p = page('compliance-page', t('admin-devices-title'), t('admin-compliance-lead'));
  p.root.append(devicesTabs('compliance'));
  if (!canWrite) p.root.append(readOnlyNote());

  const disk = switchField({ name: 'require_disk_encryption', label: t('admin-compliance-disk'), help: t('admin-compliance-disk-help'), checked: current.require_disk_encryption, disabled });
  const firewall = switchField({ name: 'require_firewall', label: t('admin-compliance-firewall'), checked: current.require_firewall, disabled });
  const lock = switchField({ name: 'require_screen_lock', label: t('admin-compliance-lock'), checked: current.require_screen_lock, disabled });
  const updates = textField({ name: 'max_pending_security_updates', label: t('admin-compliance-updates'), help: t('admin-compliance-updates-help'),
    value: current.max_pending_security_updates === null ? '' : String(current.max_pending_security_updates), type: 'number', inputmode: 'numeric', min: 0, max: 1000, disabled });
  const age = textField({ name: 'max_report_age_days', label: t('admin-compliance-age'), help: t('admin-compliance-age-help'),
    value: String(current.max_report_age_days), type: 'number', inputmode: 'numeric', min: 1, max: 365, suffix: t('admin-unit-days'), disabled });
  const status = statusLine();
  const updated = h('p', { class: 'help policy-updated' });
  const showUpdated = (): void => {
    updated.textContent = current.updated_at ? t('admin-settings-updated', { time: formatDateTime(current.updated_at) }) : t('admin-compliance-defaults');
  };
  showUpdated();
  const banner = h('div', { class: 'banner-slot' });
  const save = h('button', { type: 'submit', class: 'btn btn-primary policy-save' }, t('admin-save'));
  const form = new Form('policy-form', t('admin-tab-compliance'), async () => {
    if (!canWrite) return;
    form.clearErrors();
    status.textContent = '';
    const updatesText = updates.input.value.trim();
    const ageValue = Number(age.input.value);
    if (!age.input.value.trim() || !Number.isFinite(ageValue)) {
      age.setError(t('admin-number-needed'));
      age.focus();
      return;
    }
    save.disabled = true;
    try {
      const saved = await admin.saveCompliancePolicy({
        require_disk_encryption: disk.input.checked,
        require_firewall: firewall.input.checked,
        require_screen_lock: lock.input.checked,
        max_pending_security_updates: updatesText === '' ? null : Math.round(Number(updatesText)),
        max_report_age_days: Math.round(ageValue),
      }, etag);
      etag = saved.etag;
      current = saved.data;
      showUpdated();
      status.textContent = t('admin-compliance-saved');
    } catch (error) {
      if (isStale(error)) {
        banner.replaceChildren(staleBanner(() => ctx.navigate('#/compliance')));
        banner.querySelector<HTMLElement>('.stale-reload')?.focus();
      } else {
        form.showError(error);
      }
    } finally {
      save.disabled = false;
    }
  });
  const group = (title: string): HTMLElement => h('fieldset', { class: 'settings-group card' }, h('legend', null, title));
  const checks = group(t('admin-compliance-group-checks'));
  const freshness = group(t('admin-compliance-group-reports'));
  form.add([disk, firewall, lock, updates], checks);
  form.add([age], freshness);
  form.element.append(checks, freshness);
  if (canWrite) form.element.append(h('div', { class: 'form-actions' }, save, status));
  form.element.append(updated);
  p.root.append(banner, form.element);
  return { element: p.root, heading: p.heading, title: t('admin-tab-compliance') };
}
