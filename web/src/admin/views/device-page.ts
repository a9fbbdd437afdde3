// One device (SPEC §4): its properties, whether it meets the compliance
// policy and why not, what it last reported, the groups it is in (which
// assignment scopes use), its latest sessions, and the actions: New remote
// help session (the helper console with a code only this device can use, or
// the native helper through its deskmate:// link) and Remove device.
import { ApiError } from '../../api';
import { t } from '../../i18n';
import { ICONS, h, icon } from '../../ui/dom';
import * as admin from '../admin-api';
import { formatDateTime } from '../format';
import type { Context } from '../routes';
import type { DeviceDetail, DeviceSession, Group, Inventory } from '../types';
import { REMOTE_HELP_PERMISSIONS } from '../types';
import { confirmDialog } from '../ui/dialog';
import { Form, checkList } from '../ui/form';
import { type View, page, readOnlyNote, statusLine } from '../ui/page';
import { type Column, DataTable } from '../ui/table';
import { deviceBadges, devicesTabs } from './devices-tabs';

function facts(rows: [string, string | Node][], className: string): HTMLElement {
  return h('dl', { class: `facts ${className}` },
    ...rows.map(([label, value]) => h('div', { class: 'fact' }, h('dt', null, label), h('dd', { dir: 'auto' }, value))));
}

function flag(value: boolean | null): string {
  if (value === null) return t('admin-unknown');
  return value ? t('yes') : t('no');
}

function inventoryFacts(inventory: Inventory | null, at: string | null): HTMLElement {
  if (!inventory) return h('p', { class: 'help no-inventory' }, t('admin-device-no-inventory'));
  return facts([
    [t('admin-device-disk-encryption'), flag(inventory.disk_encryption)],
    [t('admin-device-firewall'), flag(inventory.firewall)],
    [t('admin-device-screen-lock'), flag(inventory.screen_lock)],
    [t('admin-device-security-updates'), inventory.pending_security_updates === null ? t('admin-unknown') : String(inventory.pending_security_updates)],
    [t('admin-device-reported'), formatDateTime(at)],
  ], 'inventory-facts');
}

function sessionsTable(sessions: DeviceSession[]): HTMLElement {
  const name = (p: DeviceSession['helper']): string => (p ? `${p.first_name} ${p.last_name}` : '');
  const columns: Column<DeviceSession>[] = [
    { key: 'created', label: t('admin-col-issued'), className: 'col-time', cell: (s) => formatDateTime(s.created_at) },
    { key: 'helper', label: t('admin-col-helper'), className: 'col-helper', cell: (s) => name(s.helper) },
    { key: 'sharer', label: t('admin-col-sharer'), className: 'col-sharer', cell: (s) => name(s.sharer) },
    { key: 'mode', label: t('admin-col-mode'), className: 'col-mode', cell: (s) => (s.mode ? t(`admin-mode-${s.mode}`) : '') },
    { key: 'state', label: t('admin-col-outcome'), className: 'col-state',
      cell: (s) => h('span', { class: `state-badge state-${s.state}` }, t(`admin-state-${s.state}`)) },
  ];
  const table = new DataTable<DeviceSession>({ caption: t('admin-device-sessions'), columns, className: 'device-sessions-table', rowId: (s) => s.id });
  table.setRows(sessions);
  return table.element;
}

export async function devicePage(ctx: Context, id: string | undefined): Promise<View> {
  const [device, groups]: [DeviceDetail, Group[]] = await Promise.all([
    admin.device(id ?? ''),
    ctx.access.has('users_read') ? admin.groups() : Promise.resolve([]),
  ]);
  const canWrite = ctx.access.has('devices_write');
  const canHelp = REMOTE_HELP_PERMISSIONS.some((p) => ctx.access.has(p));
  const actions: HTMLElement[] = [h('a', { href: '#/devices', class: 'btn' }, t('admin-back-to-devices'))];
  if (canHelp) {
    actions.push(
      h('a', { href: device.new_session_url, class: 'btn btn-primary new-session', target: '_blank', rel: 'noopener' }, t('admin-device-new-session')),
      h('a', { href: device.new_session_deep_link, class: 'btn open-app' }, t('admin-device-open-app')),
    );
  }
  const p = page('device-page', device.name, device.os_name || t('admin-unknown'), actions);
  p.root.append(devicesTabs('all'));
  if (!canWrite) p.root.append(readOnlyNote());
  if (ctx.flash) p.root.append(h('p', { class: 'status-line flash', role: 'status' }, ctx.flash));

  const inv = device.inventory;
  const properties = h('section', { class: 'card device-properties', 'aria-labelledby': 'device-properties-title' },
    h('h2', { id: 'device-properties-title' }, t('admin-device-properties')),
    h('div', { class: 'badges' }, ...deviceBadges(device)),
    facts([
      [t('admin-device-name'), device.name],
      [t('admin-col-os'), device.os_name || t('admin-unknown')],
      [t('admin-device-os-version'), inv?.os_version ?? t('admin-unknown')],
      [t('admin-device-kernel'), inv?.kernel ?? t('admin-unknown')],
      [t('admin-device-agent-version'), inv?.agent_version ?? t('admin-unknown')],
      [t('admin-col-last-seen'), formatDateTime(device.last_seen_at)],
      [t('admin-col-last-user'), device.last_user ? `${device.last_user.name} (${device.last_user.email})` : t('admin-none')],
      [t('admin-device-enrolled-at'), device.enrolled_at ? formatDateTime(device.enrolled_at) : t('admin-device-unenrolled')],
      [t('admin-device-key'), device.key_fingerprint ?? t('admin-none')],
      [t('admin-device-first-seen'), formatDateTime(device.created_at)],
      [t('admin-device-id'), device.id],
    ], 'property-facts'),
  );

  const reasons = device.compliance_reasons;
  const compliance = h('section', { class: 'card device-compliance', 'aria-labelledby': 'device-compliance-title' },
    h('h2', { id: 'device-compliance-title' }, t('admin-device-compliance')),
    reasons.length
      ? h('div', { class: 'banner banner-warning compliance-reasons' }, icon(ICONS.warning, 'icon banner-icon'),
        h('div', { class: 'banner-text' },
          h('p', { class: 'banner-title' }, t(device.enrolled ? 'admin-device-not-compliant-title' : 'admin-device-unenrolled-title')),
          h('ul', { class: 'reasons' }, ...reasons.map((r) => h('li', { dir: 'auto' }, r)))))
      : h('p', { class: 'compliance-ok' }, t('admin-device-meets-policy')),
    inventoryFacts(inv, device.inventory_at),
  );

  const memberOf = device.groups.map((g) => g.id);
  const groupList = checkList({
    name: 'groups', label: t('admin-device-member-of'), help: t('admin-device-groups-help'),
    items: groups.map((g) => ({ value: g.id, label: g.name })), selected: memberOf, disabled: !canWrite,
    empty: t('admin-user-no-groups'),
  });
  const groupStatus = statusLine('groups-status');
  const saveGroups = h('button', { type: 'submit', class: 'btn btn-primary groups-save' }, t('admin-save'));
  const groupForm = new Form('device-groups-form', t('admin-device-groups'), async () => {
    groupForm.clearErrors();
    groupStatus.textContent = '';
    saveGroups.disabled = true;
    try {
      const after = groupList.values();
      for (const g of after.filter((g) => !memberOf.includes(g))) await admin.addDeviceToGroup(g, device.id);
      for (const g of memberOf.filter((g) => !after.includes(g))) await admin.removeDeviceFromGroup(g, device.id);
      memberOf.splice(0, memberOf.length, ...after);
      groupStatus.textContent = t('admin-saved');
    } catch (error) {
      groupForm.showError(error);
    } finally {
      saveGroups.disabled = false;
    }
  });
  groupForm.add([groupList]);
  if (canWrite) groupForm.element.append(h('div', { class: 'form-actions' }, saveGroups, groupStatus));
  const groupCard = h('section', { class: 'card device-groups', 'aria-labelledby': 'device-groups-title' },
    h('h2', { id: 'device-groups-title' }, t('admin-device-groups')),
    device.enrolled ? null : h('p', { class: 'help' }, t('admin-device-groups-unenrolled')),
    ctx.access.has('users_read')
      ? groupForm.element
      : h('p', { class: 'group-names' }, device.groups.map((g) => g.name).join(', ') || t('admin-none')),
  );

  const sessions = h('section', { class: 'card device-sessions', 'aria-labelledby': 'device-sessions-title' },
    h('h2', { id: 'device-sessions-title' }, t('admin-device-sessions')),
    device.recent_sessions.length
      ? sessionsTable(device.recent_sessions)
      : h('p', { class: 'help' }, t('admin-device-no-sessions')),
    ctx.access.has('reports_read')
      ? h('p', null, h('a', { href: `#/remote-help/sessions?q=${encodeURIComponent(device.name)}`, class: 'all-sessions' }, t('admin-device-all-sessions')))
      : null,
  );

  const danger = h('section', { class: 'card device-danger', 'aria-labelledby': 'device-danger-title' });
  if (canWrite) {
    const error = h('p', { class: 'form-error', role: 'alert' });
    const remove = h('button', { type: 'button', class: 'btn btn-danger remove-device' }, t('admin-device-remove'));
    remove.addEventListener('click', () => {
      void (async () => {
        error.textContent = '';
        const ok = await confirmDialog({
          title: t('admin-device-remove-title', { name: device.name }),
          message: t(device.enrolled ? 'admin-device-remove-enrolled-text' : 'admin-device-remove-text'),
          confirm: t('admin-device-remove'),
          danger: true,
        });
        if (!ok) return;
        try {
          await admin.deleteDevice(device.id);
          ctx.setFlash(t('admin-device-removed', { name: device.name }));
          ctx.navigate('#/devices');
        } catch (e) {
          error.textContent = e instanceof ApiError ? e.detail : t('error-generic');
        }
      })();
    });
    danger.append(h('h2', { id: 'device-danger-title' }, t('admin-device-remove')), h('p', null, t('admin-device-remove-help')), remove, error);
  }

  p.root.append(
    h('div', { class: 'two-columns' }, properties, compliance),
    h('div', { class: 'two-columns' }, groupCard, sessions),
    ...(canWrite ? [danger] : []),
  );
  return { element: p.root, heading: p.heading, title: device.name };
}
