// The web app's calls to the Deskmate REST API (/api/v1): cookie sign-in
// with a CSRF token echoed on every write, ETag / If-Match for edits, and
// RFC 9457 problem documents turned into ApiError with the server's words
// for people. The admin centre's calls are in admin/admin-api.ts.
import { t } from './i18n';
import type { CodeIssued, LoginResponse, MeView, Problem, SessionView } from './types';

const CSRF_COOKIE = '__Host-deskmate_csrf';
const BASE = '/api/v1';

/** A failed call: `detail` is what to show the person. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly problem: Problem | null,
  ) {
    super(detail);
    this.name = 'ApiError';
  }

  /** The stable problem kind, e.g. `totp-required` (from `urn:deskmate:problem:totp-required`). */
  get kind(): string {
    return this.problem?.type.split(':').pop() ?? '';
  }
}

let csrfToken: string | null = null;
let onSignedOut: (() => void) | null = null;

/** Called when the server says the sign-in is gone (401 on a call that needs it). */
export function whenSignedOut(callback: () => void): void {
  onSignedOut = callback;
}

function csrf(): string | null {
  if (csrfToken) return csrfToken;
  const pair = document.cookie
    .split(';')
    .map((c) => c.trim().split('='))
    .find(([name]) => name === CSRF_COOKIE);
  return pair?.[1] ? decodeURIComponent(pair[1]) : null;
}

/** A successful answer: the body and the `ETag` header (for `If-Match` on the next write). */
export interface Answer<T> {
  data: T;
  etag: string | null;
}

/** Options of one call. */
export interface CallOptions {
  /** Sent as `If-Match`: the write fails with 412 if the object changed since. */
  ifMatch?: string | null;
  /** Do not report a 401 as the sign-in ending (sign-in itself, who-am-I). */
  quiet401?: boolean;
}

/**
 * Calls the API and returns the body with its ETag. Failures throw
 * ApiError with the server's problem document.
 */
export async function request<T>(method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') {
    const token = csrf();
    if (token) headers['X-CSRF-Token'] = token;
  }
  if (options.ifMatch) headers['If-Match'] = options.ifMatch;
  let response: Response;
  try {
    response = await fetch(BASE + path, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new ApiError(0, t('error-network'), null);
  }
  const etag = response.headers.get('ETag');
  if (response.status === 204) return { data: undefined as T, etag };
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const problem = isProblem(json) ? json : null;
    const error = new ApiError(response.status, problem?.detail || t('error-http', { status: response.status }), problem);
    if (response.status === 401 && !options.quiet401 && error.kind !== 'totp-required') onSignedOut?.();
    throw error;
  }
  return { data: json as T, etag };
}

async function call<T>(method: string, path: string, body?: unknown, quiet401 = false): Promise<T> {
  return (await request<T>(method, path, body, { quiet401 })).data;
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && typeof (value as Problem).detail === 'string';
}

/** Sign in with a cookie; `totp` only when the server asked for it. */
export async function signIn(email: string, password: string, totp?: string): Promise<MeView> {
  const body = {
    email,
    password,
    ...(totp ? { totp_code: totp } : {}),
    session: 'cookie',
  };
  const answer = await call<LoginResponse>('POST', '/auth/login', body, true);
  csrfToken = answer.csrf_token ?? null;
  return answer.me;
}

/** Who is signed in; null when nobody is. */
export async function me(): Promise<MeView | null> {
  try {
    return await call<MeView>('GET', '/me', undefined, true);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export async function signOut(): Promise<void> {
  try {
    await call<void>('POST', '/auth/logout', undefined, true);
  } finally {
    csrfToken = null;
  }
}

/** A native client's browser sign-in request (device_auth.rs AuthorizationView). */
export interface SignInRequest {
  user_code: string;
  client_name: string;
  source_addr: string;
  created_at: string;
  expires_at: string;
  status: 'pending' | 'approved' | 'denied' | 'used';
}

export function signInRequest(userCode: string): Promise<SignInRequest> {
  return call<SignInRequest>('GET', `/auth/device-authorization/${encodeURIComponent(userCode)}`);
}

/** Approves (signs the client in as me) or denies a native client's sign-in. */
export function decideSignIn(userCode: string, approve: boolean): Promise<void> {
  return call<void>('POST', `/auth/device-authorization/${encodeURIComponent(userCode)}`, { approve });
}

/** A new security code for a new session; with `deviceId`, only that device can use it. */
export function issueCode(deviceId?: string): Promise<CodeIssued> {
  return call<CodeIssued>('POST', '/remote-help/codes', deviceId ? { device_id: deviceId } : {});
}

export function session(id: string): Promise<SessionView> {
  return call<SessionView>('GET', `/remote-help/sessions/${encodeURIComponent(id)}`);
}

/** The helper's own recent sessions (to pick up running ones after a reload). */
export function mySessions(helperId: string): Promise<SessionView[]> {
  return call<SessionView[]>('GET', `/remote-help/sessions?helper=${encodeURIComponent(helperId)}&limit=20`);
}

/** The WebSocket address of a session's live channel. */
export function sessionSocketUrl(id: string): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${BASE}/remote-help/sessions/${encodeURIComponent(id)}/connect`;
}
