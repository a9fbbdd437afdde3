// The admin centre's addresses (the part after #) and what each shows:
// the navigation areas, the permission each needs, and the page to build.
// Each page is its own address, so Back, reload and links work.
import { t } from '../i18n';
import type { Permission } from '../types';
import type { Access } from './access';
import type { View } from './ui/page';
import { assignmentPage, assignmentsPage } from './views/assignments';
import { auditPage } from './views/audit';
import { compliancePage } from './views/compliance';
import { devicePage, devicesPage } from './views/devices';
import { enrolmentPage } from './views/enrolment';
import { groupPage, groupsPage } from './views/groups';
import { monitorPage } from './views/monitor';
import { rolePage, rolesPage } from './views/roles';
import { sessionsPage } from './views/sessions';
import { settingsPage } from './views/settings';
import { userPage, usersPage } from './views/users';

/** What a page gets to work with. */
export interface Context {
  readonly access: Access;
  /** The address's query (after `?`), e.g. the report's filters. */
  readonly params: URLSearchParams;
  /** Goes to another address of the admin centre (`#/…`). */
  navigate(hash: string): void;
  /** Changes the query of the current address without reloading the page. */
  replaceParams(params: URLSearchParams): void;
  /** A message to show on the next page (e.g. "User created."). */
  readonly flash: string;
  setFlash(message: string): void;
}

export interface Route {
  /** The permission the page needs (the server checks it again). */
  permission: Permission;
  /** Which navigation area is current. */
  area: string;
  build(ctx: Context, id: string | undefined): Promise<View>;
}

/** The route for a path such as `users/…`, with the id part; undefined if none. */
export function route(path: string[]): { route: Route; id: string | undefined } | undefined {
  const [first = '', second, third] = path;
  const id = second;
  const table: Record<string, Route> = {
    'remote-help/settings': { permission: 'settings_read', area: 'remote-help', build: settingsPage },
    'remote-help/monitor': { permission: 'reports_read', area: 'remote-help', build: monitorPage },
    'remote-help/sessions': { permission: 'reports_read', area: 'remote-help', build: sessionsPage },
    devices: { permission: 'devices_read', area: 'devices', build: devicesPage },
    'devices/:id': { permission: 'devices_read', area: 'devices', build: devicePage },
    enrolment: { permission: 'devices_read', area: 'devices', build: enrolmentPage },
    compliance: { permission: 'devices_read', area: 'devices', build: compliancePage },
    users: { permission: 'users_read', area: 'users', build: usersPage },
    'users/:id': { permission: 'users_read', area: 'users', build: userPage },
    groups: { permission: 'users_read', area: 'groups', build: groupsPage },
    'groups/:id': { permission: 'users_read', area: 'groups', build: groupPage },
    roles: { permission: 'roles_read', area: 'roles', build: rolesPage },
    'roles/:id': { permission: 'roles_read', area: 'roles', build: rolePage },
    assignments: { permission: 'roles_read', area: 'roles', build: assignmentsPage },
    'assignments/:id': { permission: 'roles_read', area: 'roles', build: assignmentPage },
    audit: { permission: 'audit_read', area: 'audit', build: auditPage },
  };
  if (third !== undefined) return undefined;
  if (first === 'remote-help') {
    const found = table[`remote-help/${second ?? ''}`];
    return found ? { route: found, id: undefined } : undefined;
  }
  const found = table[id === undefined ? first : `${first}/:id`];
  return found ? { route: found, id } : undefined;
}

export interface NavItem {
  area: string;
  href: string;
  label: string;
  permission: Permission;
  section: 'tenant' | 'people';
}

/** The navigation, by section; items the person may not read are left out by the shell. */
export function navItems(access: Access): NavItem[] {
  const remoteHelp = access.has('settings_read') ? '#/remote-help/settings' : '#/remote-help/monitor';
  return [
    {
      area: 'remote-help',
      href: remoteHelp,
      label: t('admin-nav-remote-help'),
      permission: access.has('settings_read') ? 'settings_read' : 'reports_read',
      section: 'tenant',
    },
    { area: 'devices', href: '#/devices', label: t('admin-nav-devices'), permission: 'devices_read', section: 'tenant' },
    { area: 'roles', href: '#/roles', label: t('admin-nav-roles'), permission: 'roles_read', section: 'tenant' },
    { area: 'audit', href: '#/audit', label: t('admin-nav-audit'), permission: 'audit_read', section: 'tenant' },
    { area: 'users', href: '#/users', label: t('admin-nav-users'), permission: 'users_read', section: 'people' },
    { area: 'groups', href: '#/groups', label: t('admin-nav-groups'), permission: 'users_read', section: 'people' },
  ];
}
