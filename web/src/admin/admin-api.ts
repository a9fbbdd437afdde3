// The admin centre's calls to the REST API: settings, users, groups, roles,
// role assignments, the sessions report, the monitor figures and the audit
// log. Edits that can collide carry the ETag they were read with.
import { type Answer, request } from '../api';
import type { Permission } from '../types';
import type {
  AdminUser,
  Assignment,
  AssignmentBody,
  AuditEvent,
  ChainReport,
  CompliancePolicy,
  DeviceDetail,
  DevicePage,
  EnrolmentToken,
  EnrolmentTokenCreated,
  Group,
  ReportPage,
  Role,
  Settings,
  SettingsChange,
  Summary,
} from './types';

const id = encodeURIComponent;

async function data<T>(answer: Promise<Answer<T>>): Promise<T> {
  return (await answer).data;
}

/** A query string from the given, non-empty parameters ("" when none). */
export function queryString(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

// ---- settings ----

export const settings = (): Promise<Answer<Settings>> => request<Settings>('GET', '/tenant/settings');
export const saveSettings = (change: SettingsChange, etag: string | null): Promise<Answer<Settings>> =>
  request<Settings>('PATCH', '/tenant/settings', change, { ifMatch: etag });

// ---- users ----

export const users = (): Promise<AdminUser[]> => data(request<AdminUser[]>('GET', '/users'));
export const user = (userId: string): Promise<AdminUser> => data(request<AdminUser>('GET', `/users/${id(userId)}`));

export interface NewUser {
  email: string;
  first_name: string;
  last_name: string;
  job_title: string;
  company_name: string;
  password?: string;
  groups: string[];
}

export const createUser = (body: NewUser): Promise<AdminUser> => data(request<AdminUser>('POST', '/users', body));

export interface UserChange {
  first_name?: string;
  last_name?: string;
  job_title?: string;
  company_name?: string;
  disabled?: boolean;
}

export const changeUser = (userId: string, change: UserChange): Promise<AdminUser> =>
  data(request<AdminUser>('PATCH', `/users/${id(userId)}`, change));
export const resetPassword = (userId: string, password: string): Promise<void> =>
  data(request<void>('POST', `/users/${id(userId)}/password`, { password }));
export const resetTotp = (userId: string): Promise<void> => data(request<void>('DELETE', `/users/${id(userId)}/totp`));
export const revokeSignIns = (userId: string): Promise<void> =>
  data(request<void>('POST', `/users/${id(userId)}/revoke-sessions`));

// ---- groups ----

export const groups = (): Promise<Group[]> => data(request<Group[]>('GET', '/groups'));
export const group = (groupId: string): Promise<Group> => data(request<Group>('GET', `/groups/${id(groupId)}`));
export const createGroup = (name: string, description: string): Promise<Group> =>
  data(request<Group>('POST', '/groups', { name, description }));
export const changeGroup = (groupId: string, name: string, description: string): Promise<Group> =>
  data(request<Group>('PATCH', `/groups/${id(groupId)}`, { name, description }));
export const deleteGroup = (groupId: string): Promise<void> => data(request<void>('DELETE', `/groups/${id(groupId)}`));
export const addMember = (groupId: string, userId: string): Promise<void> =>
  data(request<void>('PUT', `/groups/${id(groupId)}/members/${id(userId)}`));
export const removeMember = (groupId: string, userId: string): Promise<void> =>
  data(request<void>('DELETE', `/groups/${id(groupId)}/members/${id(userId)}`));

export const addDeviceToGroup = (groupId: string, deviceId: string): Promise<void> =>
  data(request<void>('PUT', `/groups/${id(groupId)}/devices/${id(deviceId)}`));
export const removeDeviceFromGroup = (groupId: string, deviceId: string): Promise<void> =>
  data(request<void>('DELETE', `/groups/${id(groupId)}/devices/${id(deviceId)}`));

// ---- devices ----

/** Filters, order and page of the device list (devices.rs DeviceQuery). */
export interface DeviceParams {
  q?: string;
  enrolled?: string;
  compliant?: string;
  sort?: string;
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

export const devices = (params: DeviceParams): Promise<DevicePage> =>
  data(request<DevicePage>('GET', `/devices${queryString({ ...params })}`));
export const device = (deviceId: string): Promise<DeviceDetail> =>
  data(request<DeviceDetail>('GET', `/devices/${id(deviceId)}`));
export const deleteDevice = (deviceId: string): Promise<void> => data(request<void>('DELETE', `/devices/${id(deviceId)}`));

export interface NewEnrolmentToken {
  description: string;
  expires_in_days: number;
  max_uses: number;
}

export const enrolmentTokens = (): Promise<EnrolmentToken[]> => data(request<EnrolmentToken[]>('GET', '/enrolment-tokens'));
export const createEnrolmentToken = (body: NewEnrolmentToken): Promise<EnrolmentTokenCreated> =>
  data(request<EnrolmentTokenCreated>('POST', '/enrolment-tokens', body));
export const revokeEnrolmentToken = (tokenId: string): Promise<void> =>
  data(request<void>('DELETE', `/enrolment-tokens/${id(tokenId)}`));

export const compliancePolicy = (): Promise<Answer<CompliancePolicy>> => request<CompliancePolicy>('GET', '/compliance-policy');
export const saveCompliancePolicy = (body: CompliancePolicy, etag: string | null): Promise<Answer<CompliancePolicy>> =>
  request<CompliancePolicy>('PUT', '/compliance-policy', body, { ifMatch: etag });

// ---- roles and assignments ----

export interface RoleBody {
  name: string;
  description: string;
  permissions: Permission[];
}

export const roles = (): Promise<Role[]> => data(request<Role[]>('GET', '/roles'));
export const role = (roleId: string): Promise<Answer<Role>> => request<Role>('GET', `/roles/${id(roleId)}`);
export const createRole = (body: RoleBody): Promise<Answer<Role>> => request<Role>('POST', '/roles', body);
export const saveRole = (roleId: string, body: RoleBody, etag: string | null): Promise<Answer<Role>> =>
  request<Role>('PUT', `/roles/${id(roleId)}`, body, { ifMatch: etag });
export const deleteRole = (roleId: string): Promise<void> => data(request<void>('DELETE', `/roles/${id(roleId)}`));

export const assignments = (): Promise<Assignment[]> => data(request<Assignment[]>('GET', '/role-assignments'));
export const assignment = (assignmentId: string): Promise<Answer<Assignment>> =>
  request<Assignment>('GET', `/role-assignments/${id(assignmentId)}`);
export const createAssignment = (body: AssignmentBody): Promise<Answer<Assignment>> =>
  request<Assignment>('POST', '/role-assignments', body);
export const saveAssignment = (
  assignmentId: string,
  body: AssignmentBody,
  etag: string | null,
): Promise<Answer<Assignment>> => request<Assignment>('PUT', `/role-assignments/${id(assignmentId)}`, body, { ifMatch: etag });
export const deleteAssignment = (assignmentId: string): Promise<void> =>
  data(request<void>('DELETE', `/role-assignments/${id(assignmentId)}`));

// ---- reports and audit ----

/** Filters, order and page of the sessions report (reports.rs ReportParams). */
export interface ReportParams {
  q?: string;
  state?: string;
  mode?: string;
  from?: string;
  to?: string;
  sort?: string;
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

export const report = (params: ReportParams): Promise<ReportPage> =>
  data(request<ReportPage>('GET', `/reports/sessions${queryString({ ...params })}`));

/** Where the CSV of the report with these filters is (all pages). */
export function reportCsvUrl(params: ReportParams): string {
  const { limit: _limit, offset: _offset, ...rest } = params;
  return `/api/v1/reports/sessions.csv${queryString(rest)}`;
}

export const summary = (days?: number): Promise<Summary> =>
  data(request<Summary>('GET', `/reports/summary${queryString({ days })}`));

/** Filters of the audit log (audit_log.rs AuditQuery). */
export interface AuditParams {
  actor?: string;
  action?: string;
  from?: string;
  to?: string;
  before?: number;
  limit?: number;
}

export const audit = (params: AuditParams): Promise<AuditEvent[]> =>
  data(request<AuditEvent[]>('GET', `/audit${queryString({ ...params })}`));

export function auditCsvUrl(params: AuditParams): string {
  const { before: _before, limit: _limit, ...rest } = params;
  return `/api/v1/audit.csv${queryString(rest)}`;
}

export const verifyAudit = (): Promise<ChainReport> => data(request<ChainReport>('GET', '/audit/verify'));
