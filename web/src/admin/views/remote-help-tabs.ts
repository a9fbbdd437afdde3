// The tabs of Tenant administration → Remote help: Settings, Monitor and
// Sessions (each its own address), showing only those the person may read.
import { t } from '../../i18n';
import type { Access } from '../access';
import { subnav } from '../ui/page';

export type RemoteHelpTab = 'settings' | 'monitor' | 'sessions';

export function remoteHelpTabs(access: Access, current: RemoteHelpTab): HTMLElement {
  const tabs = [
    { key: 'settings' as const, label: t('admin-tab-settings'), ok: access.has('settings_read') },
    { key: 'monitor' as const, label: t('admin-tab-monitor'), ok: access.has('reports_read') },
    { key: 'sessions' as const, label: t('admin-tab-sessions'), ok: access.has('reports_read') },
  ];
  return subnav(
    t('admin-nav-remote-help'),
    tabs
      .filter((tab) => tab.ok)
      .map((tab) => ({
        href: `#/remote-help/${tab.key}`,
        label: tab.label,
        current: tab.key === current,
        className: `tab-${tab.key}`,
      })),
  );
}
