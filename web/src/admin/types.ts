// The shapes the admin centre reads and writes, written out from the Rust
// definitions (deskmate-server http/views.rs, settings.rs, users.rs,
// groups.rs, rbac.rs, reports.rs, audit_log.rs) so the compiler checks our use.
import type { Permission } from '../types';

/** views.rs UserView, as administrators see it. */
export interface AdminUser {
  id: string;
  tenant_id: string;
  email: string;
  first_name: string;
  last_name: string;
  job_title: string | null;
  company_name: string | null;
  picture_url: string | null;
  verified_domain: string | null;
  totp_enabled: boolean;
  has_password: boolean;
  disabled: boolean;
  created_at: string;
  updated_at: string;
}

/** views.rs SettingsView. */
export interface Settings {
  remote_help_enabled: boolean;
  allow_unenrolled_devices: boolean;
  chat_disabled: boolean;
  allow_unencrypted_sessions: boolean;
  code_lifetime_secs: number;
  retention_days: number;
  min_client_version: string | null;
  recommended_client_version: string | null;
  version: number;
  updated_at: string;
}

/** settings.rs SettingsChange: absent fields stay as they are. */
export type SettingsChange = Partial<{
  remote_help_enabled: boolean;
  allow_unenrolled_devices: boolean;
  chat_disabled: boolean;
  allow_unencrypted_sessions: boolean;
  code_lifetime_secs: number;
  retention_days: number;
  min_client_version: string;
  recommended_client_version: string;
}>;

/** views.rs GroupView. */
export interface Group {
  id: string;
  name: string;
  description: string;
  members: string[];
  devices: string[];
  created_at: string;
}

/** views.rs RoleView. */
export interface Role {
  id: string;
  name: string;
  description: string;
  built_in: boolean;
  permissions: Permission[];
}

/** rbac.rs AssignmentView. */
export interface Assignment {
  id: string;
  name: string;
  description: string;
  role_id: string;
  member_groups: string[];
  scope_groups: string[];
  all_users: boolean;
  all_devices: boolean;
  version: number;
}

/** rbac.rs AssignmentBody (role_id null until one is chosen: the server says so). */
export type AssignmentBody = Omit<Assignment, 'id' | 'version' | 'role_id'> & { role_id: string | null };

/** reports.rs ReportRowView. */
export interface ReportRow {
  id: string;
  helper_id: string;
  helper_name: string;
  helper_email: string;
  sharer_id: string | null;
  sharer_name: string | null;
  sharer_email: string | null;
  device: string | null;
  state: 'waiting' | 'paired' | 'active' | 'ended' | 'refused';
  mode: 'view' | 'control' | null;
  elevation_used: boolean;
  chat_used: boolean;
  /** Encrypted end to end; null before redemption. */
  encrypted: boolean | null;
  ended_by: 'helper' | 'sharer' | 'system' | 'timeout' | 'server_restart' | 'revoked' | null;
  refusal: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  duration_secs: number | null;
}

/** reports.rs ReportPage. */
export interface ReportPage {
  total: number;
  rows: ReportRow[];
}

/** reports.rs Summary. */
export interface Summary {
  days: number;
  active_now: number;
  per_day: { date: string; sessions: number }[];
  average_duration_secs: number | null;
}

/** audit_log.rs AuditEventView. */
export interface AuditEvent {
  seq: number;
  at: string;
  actor: string | null;
  actor_name: string | null;
  actor_email: string | null;
  action: string;
  target: string | null;
  detail: unknown;
  source_addr: string | null;
  prev_hash: string;
  hash: string;
}

/** audit_log.rs ChainReport. */
export interface ChainReport {
  intact: boolean;
  events: number | null;
  broken_at: number | null;
  reason: string | null;
}

/** Every audited action (audit.rs), in the order the filter lists them. */
export const AUDIT_ACTIONS = [
  'settings_changed',
  'tenant_changed',
  'user_created',
  'user_changed',
  'user_password_reset',
  'user_totp_reset',
  'user_sessions_revoked',
  'group_created',
  'group_changed',
  'group_deleted',
  'group_member_added',
  'group_member_removed',
  'role_created',
  'role_changed',
  'role_deleted',
  'assignment_created',
  'assignment_changed',
  'assignment_deleted',
  'administrator_created',
  'device_enrolled',
  'device_removed',
  'group_device_added',
  'group_device_removed',
  'enrolment_token_created',
  'enrolment_token_revoked',
  'compliance_policy_changed',
  'code_issued',
  'code_redeemed',
  'code_refused',
  'mode_requested',
  'consent_given',
  'consent_declined',
  'session_ended',
  'retention_purged',
  'signed_in',
  'sign_in_wrong_password',
  'sign_in_wrong_totp',
  'signed_out',
  'refresh_token_reused',
  'password_changed',
  'totp_enrolled',
] as const;

/** Permissions a role can grant, grouped as the role editor shows them (permissions.rs). */
export const REMOTE_HELP_PERMISSIONS: readonly Permission[] = [
  'view_screen',
  'take_full_control',
  'elevation',
  'chat',
  'laser_pointer',
];
export const ADMIN_PERMISSIONS: readonly Permission[] = [
  'settings_read',
  'settings_write',
  'users_read',
  'users_write',
  'roles_read',
  'roles_write',
  'devices_read',
  'devices_write',
  'reports_read',
  'audit_read',
];

/** devices.rs PersonRef. */
export interface PersonRef {
  id: string;
  name: string;
  email: string;
}

/** devices.rs DeviceSummary. */
export interface DeviceSummary {
  id: string;
  name: string;
  os_family: string;
  os_name: string;
  enrolled: boolean;
  compliant: boolean;
  compliance_reasons: string[];
  last_seen_at: string;
  last_user: PersonRef | null;
}

/** deskmate-proto device.rs Inventory. */
export interface Inventory {
  hostname: string;
  os_family: string;
  os_name: string;
  os_version: string | null;
  kernel: string | null;
  agent_version: string;
  disk_encryption: boolean | null;
  firewall: boolean | null;
  screen_lock: boolean | null;
  pending_security_updates: number | null;
}

/** A session on the device page (remote_help.rs SessionView, the parts shown). */
export interface DeviceSession {
  id: string;
  state: string;
  helper: { first_name: string; last_name: string; email: string } | null;
  sharer: { first_name: string; last_name: string; email: string } | null;
  mode: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
}

/** devices.rs DeviceDetail. */
export interface DeviceDetail extends DeviceSummary {
  install_id: string;
  enrolled_at: string | null;
  key_fingerprint: string | null;
  inventory: Inventory | null;
  inventory_at: string | null;
  created_at: string;
  groups: { id: string; name: string }[];
  recent_sessions: DeviceSession[];
  new_session_url: string;
  new_session_deep_link: string;
}

/** devices.rs DevicePage. */
export interface DevicePage {
  items: DeviceSummary[];
  total: number;
}

/** enrolment.rs EnrolmentTokenView. */
export interface EnrolmentToken {
  id: string;
  description: string;
  created_by: string | null;
  created_at: string;
  expires_at: string;
  max_uses: number;
  uses: number;
  revoked_at: string | null;
  status: 'active' | 'expired' | 'used_up' | 'revoked';
}

/** enrolment.rs EnrolmentTokenCreated: the secret is shown once. */
export interface EnrolmentTokenCreated extends EnrolmentToken {
  secret: string;
}

/** compliance_policy.rs PolicyView. */
export interface CompliancePolicy {
  require_disk_encryption: boolean;
  require_firewall: boolean;
  require_screen_lock: boolean;
  max_pending_security_updates: number | null;
  max_report_age_days: number;
  updated_at?: string | null;
}
