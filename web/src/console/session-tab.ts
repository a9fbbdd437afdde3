// One remote-help session in the helper console, from security code to end
// (SPEC §7): shows the code and waits for it to be redeemed, then who the
// sharer is and their device, lets the helper choose a mode the roles
// allow, runs the live channel (screen, cursor, input, chat) sealed end to
// end (SPEC §8, session/e2e.ts) with the verification numbers both people
// can compare, and says clearly where the session stands and how it ended.
import * as api from '../api';
import { t } from '../i18n';
import { E2eFailure, HelperE2e, codeStore, showVerification, wholeCode } from '../session/e2e';
import type { Link } from '../session/reconnecting-socket';
import { SessionSocket } from '../session/session-socket';
import { ViewerStats, reportStats } from '../session/stats';
import type {
  ChatMessage,
  CodeIssued,
  EndedBy,
  Mode,
  MonitorInfo,
  ServerMessage,
  SessionState,
  SessionView,
} from '../types';
import { ChatPanel } from '../ui/chat-panel';
import { ICONS, h, icon, moveFocus, uid } from '../ui/dom';
import { fullName, profileCard } from '../ui/profile-card';
import { CHANNEL, format_code } from '../wasm';
import { CodeCard } from './code-card';
import { complianceWarning, deviceCard } from './device-card';
import { layoutNotice } from './layout-change';
import type { TabItem } from './tabs';
import { ViewerPanel } from './viewer-panel';

const POLL_MS = 1000;
/** How long after the countdown ends to look once more whether the code was used. */
const EXPIRY_GRACE_MS = 2000;
/** Least time between two keyframe requests after decoding errors or dropped frames. */
const KEYFRAME_GAP_MS = 1000;
/** The reason given to the sharer when the end-to-end check fails. */
const SECURITY_LEAVE_REASON = 'the end-to-end security check failed';

type Phase = 'waiting' | 'expired' | 'refused' | 'paired' | 'ended';

export interface TabHost {
  memory: WebAssembly.Memory;
  /** The signed-in helper's user id (binds the end-to-end exchange). */
  helperId: string;
  /** Close this tab. */
  close: (tab: SessionTab) => void;
  /** Start another session with a new code. */
  newCode: () => void;
}

export type TabStart = { code: CodeIssued } | { resume: SessionView };

export class SessionTab implements TabItem {
  readonly tab: HTMLButtonElement;
  readonly panel: HTMLElement;
  private readonly id: string;
  private readonly tabLabel: HTMLSpanElement;
  private readonly tabBadge: HTMLSpanElement;
  private readonly title: HTMLHeadingElement;
  private readonly status: HTMLParagraphElement;
  private readonly verification: HTMLParagraphElement;
  private readonly error: HTMLParagraphElement;
  private readonly main: HTMLDivElement;
  private readonly side: HTMLElement;
  private readonly leaveButton: HTMLButtonElement;
  private readonly chat: ChatPanel;
  private readonly stats = new ViewerStats();
  private phase: Phase = 'waiting';
  private view: SessionView | null = null;
  private codeCard: CodeCard | null = null;
  private modeChoice: HTMLElement | null = null;
  private viewer: ViewerPanel | null = null;
  private endCard: HTMLElement | null = null;
  private socket: SessionSocket | null = null;
  private link: Link | 'idle' = 'idle';
  private state: SessionState | null = null;
  private peerOnline = false;
  private declined: Mode | null = null;
  private ended: { by: EndedBy; reason: string } | null = null;
  private replaced = false;
  private monitors: MonitorInfo[] = [];
  /** The monitor shared (null: the whole screen), as the sharer last said. */
  private selectedMonitor: number | null = null;
  private pollTimer: number | undefined;
  private active = false;
  private lastKeyframeRequest = -Infinity;
  private keyframeTimer: number | undefined;
  private disposed = false;
  /** The whole code (12 symbols, normalised); null when this tab does not know it. */
  private code: string | null = null;
  private e2e: HelperE2e | null = null;
  /** Why the end-to-end layer cannot run in this tab, when it cannot. */
  private e2eMissing: string | null = null;
  /** The verification numbers on show. */
  private verificationShown: string | undefined;
  /** Leave as soon as the socket is up (leaving from a tab that cannot join). */
  private leaveOnConnect = false;
  /** Chat numbers seen (shown, held or dropped), and the highest. */
  private readonly chatSeen = new Set<number>();
  private chatLastSeq = 0;
  /** The sharer's sealed messages that came before the round was confirmed. */
  private readonly chatHeld = new Map<number, ChatMessage>();
  /** What this tab sent, by its sealed text, until the server echoes it back. */
  private readonly chatSent = new Map<string, string>();

  constructor(private readonly host: TabHost, start: TabStart) {
    this.id = 'code' in start ? start.code.session_id : start.resume.id;
    this.tabLabel = h('span', { class: 'tab-label' });
    this.tabBadge = h('span', { class: 'badge', role: 'img', hidden: true });
    this.tab = h('button', { type: 'button', class: 'session-tab' },
      h('span', { class: 'tab-dot', 'aria-hidden': 'true' }), this.tabLabel, this.tabBadge);
    const titleId = uid('session-title');
    this.title = h('h2', { id: titleId, class: 'session-title', tabindex: -1 });
    this.status = h('p', { class: 'session-status', role: 'status' });
    this.verification = h('p', { class: 'verification', role: 'status', hidden: true });
    this.error = h('p', { class: 'session-error', role: 'alert' });
    this.leaveButton = h('button', { type: 'button', class: 'btn btn-danger leave', hidden: true },
      icon(ICONS.leave), t('session-leave'));
    this.leaveButton.addEventListener('click', () => this.leave());
    this.chat = new ChatPanel({
      me: 'helper',
      otherName: () => this.sharerName,
      send: (text) => this.sendChat(text),
      unread: (n) => this.showUnread(n),
      collapsible: true,
    });
    this.chat.setAvailable(false);
    this.main = h('div', { class: 'session-main' });
    this.side = h('aside', { class: 'session-side', 'aria-label': t('session-side-label'), hidden: true });
    this.panel = h('section', { class: 'session-panel', 'aria-labelledby': titleId },
      h('div', { class: 'session-head' },
        h('div', { class: 'session-heading' }, this.title, this.status, this.verification),
        this.leaveButton,
      ),
      this.error,
      h('div', { class: 'session-body' }, this.main, this.side),
    );

    if ('code' in start) {
      const issued = start.code;
      this.title.textContent = t('session-title-new');
      try {
        this.code = wholeCode(issued.code);
      } catch (error) {
        console.error('no secret part for the code:', error);
        this.tabLabel.textContent = t('tab-refused');
        this.phase = 'refused';
        this.finish(t('session-refused-title'), t('e2e-no-secret-part'), true);
        return;
      }
      codeStore.save(this.id, this.code);
      const code = format_code(this.code);
      this.tabLabel.textContent = t('tab-code', { code });
      const deadline = performance.now() + issued.expires_in * 1000;
      this.codeCard = new CodeCard(code, deadline, issued.expires_in, () => this.onExpired());
      this.main.append(this.codeCard.element);
      this.render();
      this.poll();
    } else {
      this.code = codeStore.load(this.id);
      this.onSessionView(start.resume);
    }
  }

  /** Whether a session is paired or running (closing the page would drop it). */
  get running(): boolean {
    return this.phase === 'paired';
  }

  /** Whether the session is over (the tab may be closed). */
  get finished(): boolean {
    return this.phase === 'ended' || this.phase === 'expired' || this.phase === 'refused';
  }

  setActive(active: boolean): void {
    this.active = active;
    this.chat.setSeen(active);
    if (active) reportStats(this.stats);
  }

  /** Focus for a tab that was just opened. */
  focusStart(): void {
    moveFocus(this.codeCard?.value ?? this.title);
  }

  dispose(): void {
    this.disposed = true;
    window.clearTimeout(this.pollTimer);
    window.clearTimeout(this.keyframeTimer);
    this.codeCard?.stop();
    this.socket?.stop();
    this.socket = null;
    this.viewer?.destroy();
    this.e2e?.free();
    this.e2e = null;
    // A running session keeps its code for a console that picks it up again.
    if (this.finished) codeStore.forget(this.id);
  }

  // ---- waiting for the code to be redeemed -------------------------------

  private poll(): void {
    window.clearTimeout(this.pollTimer);
    if (this.disposed || this.phase !== 'waiting') return;
    api.session(this.id).then(
      (view) => {
        if (this.disposed || this.phase !== 'waiting') return;
        this.error.textContent = '';
        if (view.state === 'waiting') this.pollTimer = window.setTimeout(() => this.poll(), POLL_MS);
        else this.onSessionView(view);
      },
      (error: unknown) => {
        if (this.disposed) return;
        if (error instanceof api.ApiError && error.status === 401) return;
        this.error.textContent = error instanceof api.ApiError ? error.detail : t('error-generic');
        this.pollTimer = window.setTimeout(() => this.poll(), POLL_MS * 3);
      },
    );
  }

  private onExpired(): void {
    if (this.phase !== 'waiting') return;
    window.clearTimeout(this.pollTimer);
    // The code may have been entered in its last second (clocks differ): ask once more.
    const expire = (): void => {
      if (this.phase !== 'waiting' || this.disposed) return;
      this.phase = 'expired';
      codeStore.forget(this.id);
      this.tabLabel.textContent = t('tab-expired');
      this.finish(t('session-expired-title'), t('session-expired-text'), true);
    };
    this.pollTimer = window.setTimeout(() => {
      api.session(this.id).then((view) => {
        if (this.phase !== 'waiting' || this.disposed) return;
        if (view.state === 'waiting') expire();
        else this.onSessionView(view);
      }, expire);
    }, EXPIRY_GRACE_MS);
  }

  private onSessionView(view: SessionView): void {
    this.view = view;
    window.clearTimeout(this.pollTimer);
    this.codeCard?.stop();
    this.codeCard?.element.remove();
    this.codeCard = null;
    if (view.state === 'refused') {
      this.phase = 'refused';
      codeStore.forget(this.id);
      this.tabLabel.textContent = t('tab-refused');
      this.finish(t('session-refused-title'), view.refusal_message ?? t('session-refused-text'), true);
      return;
    }
    if (view.state === 'ended') {
      this.showPeople(view);
      this.onEnded(view.ended_by ?? 'system', '');
      return;
    }
    if (view.state === 'waiting') return;
    this.phase = 'paired';
    this.showPeople(view);
    this.leaveButton.hidden = false;
    this.e2e = this.makeE2e(view);
    if (!this.e2e) {
      // Without the whole code nothing can be opened or sealed: joining would
      // only take the connection away from the tab that has it.
      this.main.append(h('section', { class: 'card e2e-missing' },
        h('h3', { class: 'card-title' }, t('e2e-missing-title')),
        h('p', null, this.e2eMissing ?? ''),
      ));
      this.render();
      if (this.active) moveFocus(this.title, this.panel);
      return;
    }
    this.modeChoice = this.buildModeChoice();
    this.main.append(this.modeChoice);
    this.viewer = new ViewerPanel(this.host.memory, this.stats, {
      sendFrame: (frame) => this.sendFrame(frame),
      selectMonitor: (index) => {
        this.selectedMonitor = index;
        this.socket?.send({ type: 'select_monitor', index });
      },
      requestControl: () => this.requestMode('control'),
      otherName: () => this.sharerName,
    });
    this.viewer.element.hidden = true;
    this.main.append(this.viewer.element);
    this.connect();
    this.render();
    if (this.active) moveFocus(this.title, this.panel);
  }

  /** The end-to-end layer for this session, or null (and why) when this tab cannot have one. */
  private makeE2e(view: SessionView): HelperE2e | null {
    const helperId = view.helper?.id ?? this.host.helperId;
    const sharerId = view.sharer?.id;
    if (!this.code) {
      this.e2eMissing = t('e2e-missing-code');
      return null;
    }
    if (!sharerId) {
      this.e2eMissing = t('e2e-missing-ids');
      return null;
    }
    try {
      return new HelperE2e(this.code, view.id, helperId, sharerId);
    } catch (error) {
      console.error('end-to-end layer not made:', error);
      this.e2eMissing = t('error-wasm');
      return null;
    }
  }

  // ---- the people and the device ----------------------------------------

  private get sharerName(): string {
    return this.view?.sharer ? fullName(this.view.sharer) : t('session-sharer-unknown');
  }

  private showPeople(view: SessionView): void {
    this.tabLabel.textContent = this.sharerName;
    this.title.textContent = t('session-title-with', { name: this.sharerName });
    this.side.replaceChildren();
    if (view.sharer) {
      this.side.append(profileCard(view.sharer, { className: 'profile-card', caption: t('profile-caption-sharer') }));
    }
    if (view.device) {
      const warning = complianceWarning(view.device);
      if (warning) this.main.prepend(warning);
      this.side.append(deviceCard(view.device));
    }
    this.side.append(this.chat.element);
    this.side.hidden = false;
  }

  // ---- choosing a mode ---------------------------------------------------

  private allowedModes(): Mode[] {
    if (this.state) return this.state.allowed_modes;
    const granted = this.view?.permissions ?? [];
    const modes: Mode[] = [];
    if (granted.includes('view_screen')) modes.push('view');
    if (granted.includes('view_screen') && granted.includes('take_full_control')) modes.push('control');
    return modes;
  }

  private buildModeChoice(): HTMLElement {
    const titleId = uid('mode-title');
    const option = (mode: Mode): HTMLButtonElement => {
      const descId = uid('mode-desc');
      const button = h('button', {
        type: 'button',
        class: `mode-option mode-${mode}`,
        'aria-describedby': descId,
      },
        icon(mode === 'view' ? ICONS.screen : ICONS.mouse, 'icon mode-icon'),
        h('span', { class: 'mode-name' }, t(`mode-${mode}`)),
        h('span', { class: 'mode-desc', id: descId }, t(`mode-${mode}-desc`)),
      );
      button.addEventListener('click', () => this.requestMode(mode));
      return button;
    };
    return h('section', { class: 'card mode-choice', 'aria-labelledby': titleId },
      h('h3', { id: titleId, class: 'card-title' }, t('mode-title', { name: this.sharerName })),
      h('div', { class: 'mode-options' }, option('view'), option('control')),
      h('p', { class: 'card-note' }, t('mode-consent-note', { name: this.sharerName })),
    );
  }

  private requestMode(mode: Mode): void {
    this.declined = null;
    this.error.textContent = '';
    if (!this.socket?.send({ type: 'request_mode', mode })) {
      this.error.textContent = t('session-not-connected');
    }
  }

  // ---- the live channel --------------------------------------------------

  private connect(): void {
    if (this.socket || this.disposed) return;
    this.socket = new SessionSocket(this.id, () => this.chatLastSeq, {
      message: (message) => this.onMessage(message),
      frame: (frame) => this.onFrame(frame),
      link: (link) => {
        this.link = link;
        // Whatever happens next, the sharer starts a new round for it.
        if (link !== 'open') this.e2e?.suspend();
        this.chat.setConnected(link === 'open');
        this.render();
      },
      replaced: () => {
        this.replaced = true;
        this.render();
      },
      stillRunning: (attempt) => this.stillRunning(attempt),
    });
  }

  /** After a drop: keep trying while the session record says it runs. */
  private async stillRunning(attempt: number): Promise<boolean> {
    if (this.ended || this.disposed) return false;
    if (attempt < 2) return true;
    try {
      const view = await api.session(this.id);
      if (view.state === 'ended' || view.state === 'refused') {
        this.onEnded(view.ended_by ?? 'system', '');
        return false;
      }
      return true;
    } catch (error) {
      return !(error instanceof api.ApiError && (error.status === 401 || error.status === 404));
    }
  }

  private onMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        this.peerOnline = message.peer_online;
        if (this.leaveOnConnect) {
          this.socket?.send({ type: 'leave' });
          return;
        }
        this.setState(message.state);
        // The picture is asked for once the sharer's round is confirmed.
        for (const m of message.chat) this.onChat(m);
        break;
      case 'e2e':
        this.onE2e(message.data);
        break;
      case 'state':
        this.setState(message.state);
        break;
      case 'consent_result':
        if (message.allowed) {
          this.declined = null;
          if (this.stats.consentAt === null) this.stats.consentAt = performance.now();
        } else {
          this.declined = message.mode;
        }
        this.render();
        if (!message.allowed && this.active) moveFocus(this.modeChoice?.querySelector('h3') ?? this.title, this.panel);
        break;
      case 'monitors': {
        const selected = message.selected ?? null;
        const notice = layoutNotice(
          { monitors: this.monitors, selected: this.selectedMonitor },
          { monitors: message.monitors, selected },
        );
        this.monitors = message.monitors;
        this.selectedMonitor = selected;
        this.viewer?.setMonitors(message.monitors, selected);
        if (notice) this.viewer?.showLayoutChange(t(notice.id, { name: this.sharerName, ...notice.args }));
        break;
      }
      case 'chat':
        this.onChat(message.message);
        break;
      case 'peer':
        this.peerOnline = message.online;
        if (!message.online) this.e2e?.suspend();
        this.render();
        break;
      case 'ended':
        this.onEnded(message.by, message.reason);
        break;
      case 'error':
        this.error.textContent = message.message;
        break;
      default:
        break;
    }
  }

  private setState(state: SessionState): void {
    const hadMode = this.state?.mode ?? null;
    this.state = state;
    this.chat.setAvailable(state.chat_enabled);
    const viewer = this.viewer;
    if (viewer) {
      viewer.update(state.mode, state.allowed_modes.includes('control'), state.pending);
      viewer.setPointerEnabled(state.pointer_enabled);
      viewer.setMonitors(this.monitors, this.selectedMonitor);
    }
    this.render();
    if (!hadMode && state.mode && this.active && viewer) moveFocus(viewer.element, this.panel);
  }

  // ---- end to end ---------------------------------------------------------

  /** A round message from the sharer: answer it; once confirmed, ask for a picture. */
  private onE2e(data: string): void {
    const e2e = this.e2e;
    if (!e2e || this.phase !== 'paired') return;
    const wasLive = e2e.live;
    let replies: string[];
    try {
      replies = e2e.receive(data);
    } catch (error) {
      this.securityFailed(error);
      return;
    }
    for (const reply of replies) this.socket?.send({ type: 'e2e', data: reply });
    if (e2e.canOpenChat) this.openHeldChat();
    if (this.phase !== 'paired') return;
    if (e2e.live && !wasLive) this.requestKeyframe(true);
    this.render();
  }

  /** Seals and sends an input or laser pointer frame; false when it cannot go now. */
  private sendFrame(frame: Uint8Array): boolean {
    const socket = this.socket;
    // Sealing uses up a number of the channel's strict order: only when it can leave.
    if (!socket?.isOpen) return false;
    const sealed = this.e2e?.sealFrame(frame);
    return sealed ? socket.sendFrame(sealed) : false;
  }

  /** An incoming data frame: opened, then drawn. */
  private onFrame(frame: Uint8Array): void {
    const e2e = this.e2e;
    if (!e2e || this.phase !== 'paired') return;
    const channel = frame[0];
    let payload: Uint8Array | undefined;
    try {
      payload = e2e.openFrame(frame);
    } catch (error) {
      this.securityFailed(error);
      return;
    }
    if (!payload) {
      // Of an earlier round, or before this one is confirmed: the sharer
      // waits for an acknowledgement or a keyframe request after a picture.
      if (channel === CHANNEL.screen && this.state?.mode) this.requestKeyframe(false);
      return;
    }
    if (channel === CHANNEL.screen) this.onScreen(payload);
    else if (channel === CHANNEL.cursor) this.viewer?.screen.applyCursor(payload);
  }

  /** Seals and sends a chat message; false when it cannot go now. */
  private sendChat(text: string): boolean {
    const socket = this.socket;
    if (!socket?.isOpen) return false;
    const sealed = this.e2e?.sealChat(text);
    if (!sealed) return false;
    // The server echoes it back with its number, still sealed for the sharer.
    this.chatSent.set(sealed, text);
    return socket.send({ type: 'chat', text: sealed, sealed: true });
  }

  /** A chat message from the server (live or replayed). */
  private onChat(message: ChatMessage): void {
    if (this.phase !== 'paired' || this.chatSeen.has(message.seq) || this.chat.has(message.seq)) return;
    this.chatSeen.add(message.seq);
    this.chatLastSeq = Math.max(this.chatLastSeq, message.seq);
    if (!message.sealed) {
      // Anyone on the server could have written it: not shown as the sharer's.
      console.warn(`chat message ${message.seq} without end-to-end protection ignored`);
      return;
    }
    if (message.from === 'helper') {
      // This side's own message: sealed for the sharer, so shown from what was sent.
      const text = this.chatSent.get(message.text);
      this.chatSent.delete(message.text);
      this.chat.add({ ...message, text: text ?? '' }, text === undefined);
      return;
    }
    if (!this.e2e?.canOpenChat) {
      if (this.e2e) this.chatHeld.set(message.seq, message);
      else this.chat.add(message, true);
      return;
    }
    this.openChat(message);
  }

  /** Opens what the sharer sent before the round was confirmed, in order. */
  private openHeldChat(): void {
    const held = [...this.chatHeld.values()].sort((a, b) => a.seq - b.seq);
    this.chatHeld.clear();
    for (const message of held) {
      if (this.phase !== 'paired') return;
      this.openChat(message);
    }
  }

  private openChat(message: ChatMessage): void {
    const e2e = this.e2e;
    if (!e2e) return;
    let text: string | undefined;
    try {
      text = e2e.openChat(message.text);
    } catch (error) {
      this.securityFailed(error);
      return;
    }
    this.chat.add({ ...message, text: text ?? '' }, text === undefined);
  }

  /**
   * The code's secret part did not match, or someone interfered: the
   * session ends at once, and the sharer is told why.
   */
  private securityFailed(error: unknown): void {
    if (this.phase !== 'paired') return;
    const reason = error instanceof Error ? error.message : String(error);
    if (!(error instanceof E2eFailure)) console.error(error);
    console.warn('end-to-end security check failed:', reason);
    // The sharer is told why, in the same words (a leave reason has at most 300 characters).
    const leaveReason = `${SECURITY_LEAVE_REASON}: ${reason}`.slice(0, 300);
    this.socket?.send({ type: 'leave', reason: leaveReason });
    this.phase = 'ended';
    this.ended = { by: 'helper', reason: leaveReason };
    this.tearDown();
    this.showSecurityFailure(reason);
  }

  /** The end card of a session ended by a failed end-to-end check, with the reason. */
  private showSecurityFailure(reason: string): void {
    this.tabLabel.textContent = t('tab-security-failed');
    this.finish(t('e2e-failed-title'), t('e2e-failed-text'), true);
    this.endCard?.classList.add('security-failed');
    // After finish(), which moves focus: the alert is what must be seen and heard.
    this.error.textContent = t('e2e-failed', { reason });
  }

  // ---- the screen ---------------------------------------------------------

  private onScreen(payload: Uint8Array): void {
    const viewer = this.viewer;
    if (!viewer || !this.state?.mode) return;
    viewer.screen.applyScreen(payload, (seq) => {
      if (this.viewer !== viewer) return;
      if (seq === null) this.requestKeyframe(false);
      else this.socket?.send({ type: 'screen_ack', seq });
    });
  }

  /**
   * Asks the sharer for a whole picture. After decoding errors at most one
   * request per KEYFRAME_GAP_MS goes out, but one always does: the sharer
   * sends nothing more until it gets an acknowledgement or this request.
   */
  private requestKeyframe(always: boolean): void {
    const wait = this.lastKeyframeRequest + KEYFRAME_GAP_MS - performance.now();
    if (!always && wait > 0) {
      this.keyframeTimer ??= window.setTimeout(() => {
        this.keyframeTimer = undefined;
        this.requestKeyframe(true);
      }, wait);
      return;
    }
    window.clearTimeout(this.keyframeTimer);
    this.keyframeTimer = undefined;
    this.lastKeyframeRequest = performance.now();
    this.socket?.send({ type: 'request_keyframe' });
  }

  private leave(): void {
    this.error.textContent = '';
    if (!this.e2e && !this.socket) {
      // A tab without the code joins only to leave.
      this.leaveOnConnect = true;
      this.connect();
      return;
    }
    if (!this.socket?.send({ type: 'leave' })) this.error.textContent = t('session-not-connected');
  }

  // ---- the end -----------------------------------------------------------

  private onEnded(by: EndedBy, reason: string): void {
    if (this.phase === 'ended') return;
    this.phase = 'ended';
    this.ended = { by, reason };
    this.tearDown();
    if (reason.startsWith(SECURITY_LEAVE_REASON)) {
      // The sharer's end-to-end check failed (a wrong code, or someone in
      // the middle): said as plainly as when this side's check fails.
      this.showSecurityFailure(reason.slice(SECURITY_LEAVE_REASON.length).replace(/^:\s*/, '') || reason);
      return;
    }
    const name = this.sharerName;
    const text = by === 'helper' ? t('ended-by-you')
      : by === 'sharer' ? t('ended-by-sharer', { name })
      : reason ? t('ended-by-system-reason', { reason }) : t('ended-by-system');
    this.finish(t('session-ended-title'), text, false);
  }

  /** Stops the live channel and everything that used it. */
  private tearDown(): void {
    codeStore.forget(this.id);
    window.clearTimeout(this.keyframeTimer);
    this.socket?.stop();
    this.socket = null;
    this.viewer?.destroy();
    this.viewer?.element.remove();
    this.viewer = null;
    this.modeChoice?.remove();
    this.modeChoice = null;
    this.panel.querySelector('.e2e-missing')?.remove();
    this.chatHeld.clear();
    this.e2e?.free();
    this.e2e = null;
    this.chat.close();
  }

  /** Shows how it ended, with Close (and Get a new code when the code was not used). */
  private finish(title: string, text: string, offerNewCode: boolean): void {
    this.codeCard?.stop();
    this.codeCard?.element.remove();
    this.codeCard = null;
    this.leaveButton.hidden = true;
    const heading = h('h3', { class: 'card-title', tabindex: -1 }, title);
    const close = h('button', { type: 'button', class: 'btn close-tab' }, t('session-close'));
    close.addEventListener('click', () => this.host.close(this));
    const again = offerNewCode ? h('button', { type: 'button', class: 'btn btn-primary' }, t('session-new-code')) : null;
    again?.addEventListener('click', () => this.host.newCode());
    this.endCard?.remove();
    this.endCard = h('section', { class: 'card end-card' },
      heading,
      h('p', { dir: 'auto' }, text),
      h('div', { class: 'card-actions' }, again, close),
    );
    this.main.append(this.endCard);
    this.render();
    if (this.active) moveFocus(heading, this.panel);
  }

  // ---- what the page says ------------------------------------------------

  private showUnread(n: number): void {
    this.tabBadge.hidden = n === 0;
    this.tabBadge.textContent = String(n);
    this.tabBadge.setAttribute('aria-label', t('chat-unread', { count: n }));
  }

  private statusText(): string {
    const name = this.sharerName;
    switch (this.phase) {
      case 'waiting':
        return t('status-waiting-code');
      case 'expired':
        return t('status-expired');
      case 'refused':
        return t('status-refused');
      case 'ended':
        return t('status-ended');
      case 'paired':
        break;
    }
    if (!this.e2e) return t('status-no-key', { name });
    if (this.replaced) return t('status-replaced');
    if (this.link === 'reconnecting') return t('status-reconnecting');
    if (this.link !== 'open' || !this.state) return t('status-connecting');
    if (!this.peerOnline) return t('status-peer-away', { name });
    if (!this.e2e.live) return t('status-securing', { name });
    const state = this.state;
    if (state.pending) return t('status-pending', { name, mode: state.pending });
    if (state.mode) return t('status-live', { name, mode: state.mode });
    if (this.declined) return t('status-declined', { name, mode: this.declined });
    return t('status-choose-mode', { name });
  }

  private render(): void {
    this.status.textContent = this.statusText();
    const secure = this.phase === 'paired' && !!this.e2e?.live;
    const numbers = secure ? this.e2e?.verification : undefined;
    this.verification.hidden = !numbers;
    if (numbers && numbers !== this.verificationShown) {
      showVerification(this.verification, t('e2e-verification', { code: numbers, name: this.sharerName }), numbers);
    }
    this.verificationShown = numbers;
    if (this.phase === 'paired') this.chat.setHold(secure ? null : t('chat-securing'));
    const live = this.phase === 'paired' && !!this.state?.mode;
    const choosing = this.phase === 'paired' && !live;
    this.panel.dataset['phase'] = live ? 'live' : this.phase;
    this.tab.dataset['phase'] = live ? 'live' : this.phase;
    if (this.modeChoice) {
      this.modeChoice.hidden = !choosing;
      const allowed = this.allowedModes();
      const ready = this.link === 'open' && !!this.state && !this.state.pending && !!this.e2e?.live;
      for (const mode of ['view', 'control'] as const) {
        const button = this.modeChoice.querySelector<HTMLButtonElement>(`.mode-${mode}`);
        if (!button) continue;
        button.hidden = !allowed.includes(mode);
        button.disabled = !ready;
      }
    }
    if (this.viewer) this.viewer.element.hidden = !live;
    this.panel.classList.toggle('is-live', live);
  }
}
