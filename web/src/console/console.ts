// The signed-in helper's console: who is signed in, the admin centre link
// (for administrators and auditors) and Sign out, Give help
// → Get a security code, and the sessions as tabs (several at once). After a
// reload it picks up the helper's sessions that are still running.
import { hasAdminCentre } from '../admin/access';
import * as api from '../api';
import { t } from '../i18n';
import { reportStats } from '../session/stats';
import type { MeView } from '../types';
import { $, moveFocus } from '../ui/dom';
import { fullName } from '../ui/profile-card';
import { approveSignIn } from './activate';
import { linkDevicePages } from './device-card';
import { SessionTab } from './session-tab';
import { Tabs } from './tabs';

export class Console {
  private readonly getCode = $<HTMLButtonElement>('#get-code');
  private readonly error = $('#console-error');
  private readonly note = $('#console-note');
  private readonly empty = $('#no-sessions');
  private readonly sessions = $('#sessions');
  private readonly tabs: Tabs<SessionTab>;
  private busy = false;

  constructor(
    private readonly me: MeView,
    private readonly memory: WebAssembly.Memory,
  ) {
    $('#account-name').textContent = fullName(me.user);
    $('#account-org').textContent = me.tenant.name;
    // Administrators and auditors reach the admin centre from here.
    $('#admin-link').hidden = !hasAdminCentre(me.permissions);
    linkDevicePages(me.permissions.includes('devices_read'));
    this.tabs = new Tabs<SessionTab>($('#session-tabs'), $('#session-panels'), (active) => {
      if (!active) reportStats(null);
      this.showEmpty();
    });
    this.getCode.addEventListener('click', () => void this.newCode());
    window.addEventListener('beforeunload', this.onUnload);
    this.showEmpty();
  }

  /** Asks before the page closes while sessions run (they would drop). */
  private readonly onUnload = (event: BeforeUnloadEvent): void => {
    if (this.tabs.all.some((tab) => tab.running)) event.preventDefault();
  };

  /** Focus on arrival: the main action. */
  focus(): void {
    moveFocus(this.getCode);
  }

  /**
   * The admin centre's "New remote help session" opens the console at
   * `/?device=ID`: get a code only that device can use. A native client's
   * browser sign-in opens it at `/?activate=CODE`: approve or deny it. The
   * address is cleaned first, so a reload does neither twice.
   */
  startFromLink(): void {
    const params = new URLSearchParams(location.search);
    const device = params.get('device');
    const activate = params.get('activate');
    if (device === null && activate === null) return;
    params.delete('device');
    params.delete('activate');
    const rest = params.toString();
    history.replaceState(null, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
    if (device) void this.newCode(device);
    if (activate !== null) void this.activate(activate);
  }

  /** A native client's browser sign-in: ask, then say what happened. */
  private async activate(code: string): Promise<void> {
    const typed = code || (window.prompt(t('activate-enter-code')) ?? '');
    if (!typed.trim()) return;
    this.note.textContent = await approveSignIn(typed);
  }

  /** Reopens sessions that are paired or running (e.g. after a reload). */
  async resume(): Promise<void> {
    let views;
    try {
      views = await api.mySessions(this.me.user.id);
    } catch {
      return;
    }
    for (const view of views) {
      if (view.state !== 'paired' && view.state !== 'active') continue;
      this.tabs.add(new SessionTab(this.host(), { resume: view }));
    }
  }

  /** Ends every session view (sign-out). */
  dispose(): void {
    window.removeEventListener('beforeunload', this.onUnload);
    while (this.tabs.active) {
      const tab = this.tabs.active;
      tab.dispose();
      this.tabs.remove(tab);
    }
  }

  private host() {
    return {
      memory: this.memory,
      helperId: this.me.user.id,
      close: (tab: SessionTab) => {
        tab.dispose();
        this.tabs.remove(tab);
        if (!this.tabs.count) this.focus();
      },
      newCode: () => void this.newCode(),
    };
  }

  private showEmpty(): void {
    this.empty.hidden = this.tabs.count > 0;
    this.sessions.classList.toggle('has-sessions', this.tabs.count > 0);
  }

  private async newCode(deviceId?: string): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.getCode.disabled = true;
    this.error.textContent = '';
    this.note.textContent = '';
    try {
      const issued = await api.issueCode(deviceId);
      const tab = new SessionTab(this.host(), { code: issued });
      this.tabs.add(tab);
      tab.focusStart();
      if (issued.device) {
        this.note.textContent = t('code-for-device', { device: issued.device.name ?? issued.device.id });
      }
    } catch (error) {
      this.error.textContent = error instanceof api.ApiError ? error.detail : t('error-generic');
      this.getCode.disabled = false;
      this.getCode.focus();
    } finally {
      this.busy = false;
      this.getCode.disabled = false;
    }
  }
}
