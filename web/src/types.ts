// The shapes the server and the local agent send and accept, written out
// from the Rust definitions (deskmate-server http/views.rs, remote_help.rs,
// problem.rs; deskmate-proto messages.rs) so the compiler checks our use.

/** RFC 9457 problem document (http/problem.rs). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { field: string; message: string }[];
  retry_after?: number;
}

/** Permission names (permissions.rs, snake_case). */
export type Permission =
  | 'view_screen'
  | 'take_full_control'
  | 'elevation'
  | 'chat'
  | 'laser_pointer'
  | 'settings_read'
  | 'settings_write'
  | 'users_read'
  | 'users_write'
  | 'roles_read'
  | 'roles_write'
  | 'devices_read'
  | 'devices_write'
  | 'reports_read'
  | 'audit_read';

export interface UserView {
  id: string;
  tenant_id: string;
  email: string;
  first_name: string;
  last_name: string;
  job_title: string | null;
  company_name: string | null;
  picture_url: string | null;
  verified_domain: string | null;
}

export interface MeView {
  user: UserView;
  tenant: { id: string; name: string; verified_domain: string | null };
  permissions: Permission[];
}

export interface LoginResponse {
  me: MeView;
  expires_in: number;
  csrf_token?: string;
}

/** What one side is shown of the other (remote_help.rs Profile). */
export interface Profile {
  id?: string;
  first_name: string;
  last_name: string;
  job_title?: string | null;
  company_name?: string | null;
  picture_url?: string | null;
  verified_domain?: string | null;
  email: string;
}

export interface DeviceView {
  /** The device's record in the admin centre, when it has one. */
  id: string | null;
  name: string | null;
  os: string | null;
  enrolled: boolean;
  compliant: boolean;
  compliance_reasons: string[];
}

export type SessionRecordState = 'waiting' | 'paired' | 'active' | 'ended' | 'refused';

export interface SessionView {
  id: string;
  state: SessionRecordState;
  helper: Profile | null;
  sharer: Profile | null;
  device: DeviceView | null;
  /** The device the code was issued for, if the helper chose one. */
  target_device: { id: string; name: string | null } | null;
  permissions: Permission[];
  mode: Mode | null;
  refusal: string | null;
  refusal_message: string | null;
  ended_by: EndedBy | null;
  code_expires_at: string;
}

export interface CodeIssued {
  session_id: string;
  code: string;
  expires_at: string;
  expires_in: number;
  /** The device the code is for, when one was asked for. */
  device: { id: string; name: string | null } | null;
}

export type Mode = 'view' | 'control';
export type Side = 'helper' | 'sharer';
export type EndedBy = 'helper' | 'sharer' | 'system';

/**
 * A chat message; `at` is ms since the epoch on the socket, RFC 3339 over
 * REST. With `sealed`, `text` is the base64 of its end-to-end encryption,
 * which only the two sides can open.
 */
export interface ChatMessage {
  seq: number;
  from: Side;
  text: string;
  at: number | string;
  sealed?: boolean;
}

/** messages.rs SessionState. */
export interface SessionState {
  mode: Mode | null;
  pending: Mode | null;
  allowed_modes: Mode[];
  chat_enabled: boolean;
  pointer_enabled: boolean;
  ended: EndedBy | null;
}

export interface MonitorInfo {
  index: number;
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
  primary: boolean;
}

export type ErrorCode = 'protocol' | 'not_allowed' | 'chat_disabled' | 'wrong_state' | 'version';

/** Server → client control messages (messages.rs ServerMessage). */
export type ServerMessage =
  | { type: 'welcome'; protocol: number; role: Side; state: SessionState; peer_online: boolean; chat: ChatMessage[] }
  | { type: 'state'; state: SessionState }
  | { type: 'mode_requested'; mode: Mode }
  | { type: 'consent_result'; mode: Mode; allowed: boolean }
  | { type: 'screen_ack'; seq: number }
  | { type: 'keyframe_requested' }
  | { type: 'monitors'; monitors: MonitorInfo[]; selected?: number | null }
  | { type: 'monitor_selected'; index: number | null }
  | { type: 'chat'; message: ChatMessage }
  | { type: 'e2e'; data: string }
  | { type: 'peer'; online: boolean }
  | { type: 'ended'; by: EndedBy; reason: string }
  | { type: 'error'; code: ErrorCode; message: string }
  | { type: 'pong' };

/** Helper → server control messages (exact shapes: the server refuses unknown fields). */
export type HelperMessage =
  | { type: 'hello'; protocol: 1; last_chat_seq: number }
  | { type: 'request_mode'; mode: Mode }
  | { type: 'screen_ack'; seq: number }
  | { type: 'request_keyframe' }
  | { type: 'select_monitor'; index: number | null }
  | { type: 'chat'; text: string; sealed: true }
  | { type: 'e2e'; data: string }
  | { type: 'leave'; reason?: string }
  | { type: 'ping' };

/** Agent → sharer page (the local agent's UI socket). */
export type AgentMessage =
  | { type: 'hello'; me: { first_name: string; last_name: string; email: string } }
  | { type: 'stage'; stage: SharerStage }
  | { type: 'code_refused'; message: string }
  | { type: 'paired'; helper: Profile }
  | { type: 'consent_requested'; mode: Mode }
  | { type: 'state'; mode: Mode | null; chat_enabled: boolean; peer_online: boolean }
  | { type: 'chat'; message: ChatMessage }
  | { type: 'ended'; by: EndedBy; reason: string }
  | { type: 'verification'; code: string }
  | { type: 'shown'; monitor: string | null; width: number; height: number }
  | { type: 'error'; message: string }
  | { type: 'reset' }
  /** Another page is connected to the agent; this one is refused for now. */
  | { type: 'busy' }
  /** Another page tried to connect while this one is open, and was refused. */
  | { type: 'notice'; notice: 'second_page_refused' };

export type SharerStage = 'enter_code' | 'redeeming' | 'waiting' | 'active' | 'ended';

/** Sharer page → agent. */
export type PageMessage =
  | { type: 'redeem'; code: string }
  | { type: 'consent'; mode: Mode; allow: boolean }
  | { type: 'chat'; text: string }
  | { type: 'leave' };

/** Symbols in a whole security code: the server's rendezvous part and the helper's secret part. */
export const WHOLE_CODE_SYMBOLS = 12;
/** Symbols of the secret part, which only the helper's browser and the sharer know. */
export const SECRET_PART_SYMBOLS = 4;

/** Longest chat message, in characters (messages.rs MAX_CHAT_CHARS). */
export const MAX_CHAT_CHARS = 4000;
/** Protocol version spoken (deskmate-proto PROTOCOL_VERSION). */
export const PROTOCOL_VERSION = 1;
