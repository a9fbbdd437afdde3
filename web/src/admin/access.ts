// What the signed-in person may see and do in the admin centre, from the
// permissions their roles give (SPEC §5). This only decides what is shown:
// the server checks every call again and refuses what is not allowed.
import type { MeView, Permission } from '../types';

/** Permissions that open part of the admin centre. */
export const ADMIN_READ: readonly Permission[] = [
  'settings_read',
  'users_read',
  'roles_read',
  'devices_read',
  'reports_read',
  'audit_read',
];

/** Whether `me` may open the admin centre at all (the console shows its link then). */
export function hasAdminCentre(permissions: readonly Permission[]): boolean {
  return ADMIN_READ.some((p) => permissions.includes(p));
}

export class Access {
  private readonly set: ReadonlySet<Permission>;

  constructor(readonly me: MeView) {
    this.set = new Set(me.permissions);
  }

  has(permission: Permission): boolean {
    return this.set.has(permission);
  }
}
