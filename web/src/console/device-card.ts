// The sharer's device as the helper sees it (SPEC §4, §7.6): name, system,
// enrolment and compliance, and a warning banner (not a block) when the
// device is unenrolled or does not meet the organisation's policies, with a
// link to the device's page for helpers who may read devices.
import { t } from '../i18n';
import type { DeviceView } from '../types';
import { ICONS, h, icon, uid } from '../ui/dom';

/** Whether the signed-in helper may open device pages (set by the console). */
let devicePages = false;

export function linkDevicePages(allowed: boolean): void {
  devicePages = allowed;
}

function fact(label: string, value: string, flag?: 'good' | 'bad'): HTMLElement {
  return h('div', { class: 'fact' },
    h('dt', null, label),
    h('dd', flag ? { class: `flag-${flag}` } : null, value),
  );
}

export function deviceCard(device: DeviceView): HTMLElement {
  const titleId = uid('device');
  const unknown = t('device-unknown');
  return h('section', { class: 'card device-card', 'aria-labelledby': titleId },
    h('h3', { id: titleId, class: 'card-title' }, icon(ICONS.device), t('device-title')),
    h('dl', { class: 'facts' },
      fact(t('device-name'), device.name ?? unknown),
      fact(t('device-os'), device.os ?? unknown),
      fact(t('device-enrolled'), t(device.enrolled ? 'yes' : 'no'), device.enrolled ? 'good' : 'bad'),
      fact(t('device-compliant'), t(device.compliant ? 'yes' : 'no'), device.compliant ? 'good' : 'bad'),
    ),
  );
}

/** The warning, or null when the device is enrolled and compliant. */
export function complianceWarning(device: DeviceView): HTMLElement | null {
  if (device.enrolled && device.compliant) return null;
  const titleId = uid('compliance');
  const reasons = device.compliance_reasons.filter((r) => r.trim());
  return h('section', { class: 'banner banner-warning compliance-warning', 'aria-labelledby': titleId },
    icon(ICONS.warning, 'icon banner-icon'),
    h('div', { class: 'banner-text' },
      h('h3', { id: titleId, class: 'banner-title' },
        t(device.enrolled ? 'compliance-not-compliant' : 'compliance-not-enrolled')),
      reasons.length ? h('ul', { class: 'reasons' }, ...reasons.map((r) => h('li', { dir: 'auto' }, r))) : null,
      h('p', null, t('compliance-advice')),
      devicePages && device.id
        ? h('p', null, h('a', { href: `admin.html#/devices/${encodeURIComponent(device.id)}`, class: 'device-page-link', target: '_blank', rel: 'noopener' }, t('compliance-device-page')))
        : null,
    ),
  );
}
