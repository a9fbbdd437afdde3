// The tabs of Tenant administration → Devices: All devices, Enrolment and
// Compliance policy (each its own address), and the badges device views share.
import { t } from '../../i18n';
import { h } from '../../ui/dom';
import { subnav } from '../ui/page';

export type DevicesTab = 'all' | 'enrolment' | 'compliance';

export function devicesTabs(current: DevicesTab): HTMLElement {
  const tabs: { key: DevicesTab; href: string; label: string }[] = [
    { key: 'all', href: '#/devices', label: t('admin-tab-devices') },
    { key: 'enrolment', href: '#/enrolment', label: t('admin-tab-enrolment') },
    { key: 'compliance', href: '#/compliance', label: t('admin-tab-compliance') },
  ];
  return subnav(
    t('admin-nav-devices'),
    tabs.map((tab) => ({ href: tab.href, label: tab.label, current: tab.key === current, className: `tab-${tab.key}` })),
  );
}

/** The enrolled / compliant badges every device view shows. */
export function deviceBadges(device: { enrolled: boolean; compliant: boolean }): HTMLElement[] {
  const badge = (good: boolean, yes: string, no: string, kind: string): HTMLElement =>
    h('span', { class: `state-badge ${good ? 'state-active' : 'state-refused'} badge-${kind}` }, good ? yes : no);
  return [
    badge(device.enrolled, t('admin-device-enrolled'), t('admin-device-unenrolled'), 'enrolment'),
    badge(device.compliant, t('admin-device-compliant'), t('admin-device-not-compliant'), 'compliance'),
  ];
}
