// The sharer page: talks only to the local Deskmate agent (ws://host/ui)
// and shows what it says, stage by stage: enter the code, who will help,
// the consent question, the running session with chat, the security check
// numbers to compare with the helper's screen and a big button to end it,
// and how it ended. On every (re)connection the agent replays the whole
// picture, so this page only renders what it gets.
import { t } from '../i18n';
import { showVerification } from '../session/e2e';
import { type Link, ReconnectingSocket } from '../session/reconnecting-socket';
import {
  type AgentMessage,
  type EndedBy,
  type Mode,
  type PageMessage,
  type Profile,
  type SharerStage,
  SECRET_PART_SYMBOLS,
  WHOLE_CODE_SYMBOLS,
} from '../types';
import { ChatPanel } from '../ui/chat-panel';
import { $, moveFocus } from '../ui/dom';
import { fullName, profileCard } from '../ui/profile-card';
import { loadWasm, normalize_code } from '../wasm';
import { ConsentDialog } from './consent-dialog';

const STAGES: Record<SharerStage, string> = {
  enter_code: '#stage-code',
  redeeming: '#stage-code',
  waiting: '#stage-waiting',
  active: '#stage-active',
  ended: '#stage-ended',
};

/** The agent's close code while another sharer page is connected. */
const BUSY_CLOSE = 4002;

export class SharerPage {
  private readonly socket: ReconnectingSocket;
  private readonly status = $('.sharer-status');
  private readonly pageError = $('#page-error');
  private readonly signedInAs = $('#signed-in-as');
  private readonly codeForm = $<HTMLFormElement>('#code-form');
  private readonly codeInput = $<HTMLInputElement>('#code');
  private readonly codeSubmit = $<HTMLButtonElement>('#code-submit');
  private readonly codeError = $('.code-error');
  private readonly sessionArea = $('#session-area');
  private readonly helperSlot = $('#helper-slot');
  private readonly leaveButton = $<HTMLButtonElement>('#leave');
  private readonly verificationLine = $('#verification');
  private readonly chat: ChatPanel;
  private readonly consent: ConsentDialog;
  private link: Link = 'connecting';
  private me: { first_name: string; last_name: string; email: string } | null = null;
  private stage: SharerStage | null = null;
  private helper: Profile | null = null;
  private mode: Mode | null = null;
  private peerOnline = true;
  private ended: { by: EndedBy; reason: string } | null = null;
  /** The security check numbers the agent reported (`"482 913"`). */
  private verification: string | null = null;
  /** What the helper sees: a monitor (null: the whole screen) and its size. */
  private shown: { monitor: string | null; width: number; height: number } | null = null;
  /** The line on show, so an unchanged one is not announced again. */
  private verificationShown: string | null = null;

  constructor(key: string) {
    this.socket = new ReconnectingSocket({
      url: () => `ws://${location.host}/ui?key=${encodeURIComponent(key)}`,
      onOpen: () => {
        this.pageError.textContent = '';
      },
      onText: (text) => this.onText(text),
      onLink: (link) => {
        this.link = link;
        this.chat.setConnected(link === 'open');
        this.render();
      },
      // Refused while another page is open: keep trying, so this page takes
      // over once that one is closed.
      retry: (event) => event.code === BUSY_CLOSE || this.stage !== 'ended',
    });
    this.chat = new ChatPanel({
      me: 'sharer',
      otherName: () => this.helperName,
      send: (text) => this.send({ type: 'chat', text }),
      level: 'h2',
    });
    this.chat.setAvailable(false);
    $('#chat-slot').append(this.chat.element);
    this.consent = new ConsentDialog((mode, allow) => {
      if (!this.send({ type: 'consent', mode, allow })) this.pageError.textContent = t('share-not-connected');
    });
    this.codeForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.redeem();
    });
    this.codeInput.addEventListener('input', () => {
      this.codeError.textContent = '';
      this.codeInput.removeAttribute('aria-invalid');
    });
    this.leaveButton.addEventListener('click', () => {
      if (!this.send({ type: 'leave' })) this.pageError.textContent = t('share-not-connected');
    });
  }

  start(): void {
    this.socket.start();
  }

  private get helperName(): string {
    return this.helper ? fullName(this.helper) : t('share-helper-unknown');
  }

  private send(message: PageMessage): boolean {
    return this.socket.sendText(JSON.stringify(message));
  }

  private async redeem(): Promise<void> {
    let code: string | undefined;
    try {
      await loadWasm();
      code = normalize_code(this.codeInput.value);
    } catch {
      this.showCodeError(t('error-wasm'));
      return;
    }
    if (!code) {
      this.showCodeError(this.codeInput.value.trim() ? t('share-code-invalid') : t('share-code-missing'));
      return;
    }
    if (code.length !== WHOLE_CODE_SYMBOLS) {
      // The server's part alone (8) would pair without end-to-end encryption's secret.
      const short = code.length === WHOLE_CODE_SYMBOLS - SECRET_PART_SYMBOLS;
      this.showCodeError(t(short ? 'share-code-short' : 'share-code-invalid'));
      return;
    }
    if (!this.send({ type: 'redeem', code })) this.showCodeError(t('share-not-connected'));
  }

  private showCodeError(message: string): void {
    this.codeError.textContent = message;
    this.codeInput.setAttribute('aria-invalid', 'true');
    this.codeInput.focus();
    this.codeInput.select();
  }

  private onText(text: string): void {
    let message: AgentMessage;
    try {
      message = JSON.parse(text) as AgentMessage;
    } catch {
      return;
    }
    switch (message.type) {
      case 'hello':
        this.me = message.me;
        break;
      case 'stage':
        this.setStage(message.stage);
        return;
      case 'code_refused':
        if (this.stage === 'redeeming') this.stage = 'enter_code';
        this.render();
        this.showCodeError(message.message);
        return;
      case 'paired':
        this.helper = message.helper;
        this.verification = null;
        this.helperSlot.replaceChildren(profileCard(message.helper, {
          className: 'helper-card',
          caption: t('profile-caption-helper'),
          level: 'h2',
        }));
        break;
      case 'consent_requested':
        this.consent.ask(message.mode, this.helperName);
        return;
      case 'state':
        this.mode = message.mode;
        this.peerOnline = message.peer_online;
        this.chat.setAvailable(message.chat_enabled);
        break;
      case 'chat':
        this.chat.add(message.message);
        return;
      case 'ended':
        this.ended = { by: message.by, reason: message.reason };
        break;
      case 'shown':
        this.shown = { monitor: message.monitor, width: message.width, height: message.height };
        break;
      case 'verification':
        this.verification = message.code;
        break;
      case 'error':
        this.pageError.textContent = message.message;
        return;
      case 'busy':
        this.pageError.textContent = t('share-busy');
        return;
      case 'notice':
        this.pageError.textContent = t('share-second-page-refused');
        return;
      case 'reset':
        // The long-running agent is ready for the next session.
        this.helper = null;
        this.ended = null;
        this.verification = null;
        this.shown = null;
        this.mode = null;
        this.helperSlot.replaceChildren();
        this.chat.reset();
        break;
      default:
        return;
    }
    this.render();
  }

  private setStage(stage: SharerStage): void {
    const changed = stage !== this.stage;
    this.stage = stage;
    if (stage === 'enter_code') this.verification = null;
    if (stage === 'ended') {
      this.consent.dismiss();
      this.chat.close();
    }
    if (stage === 'enter_code' || stage === 'ended') this.consent.dismiss();
    this.render();
    if (!changed) return;
    const focus: Record<SharerStage, string> = {
      enter_code: '#code',
      redeeming: '#code-title',
      waiting: '#waiting-title',
      active: '#active-title',
      ended: '#ended-title',
    };
    if (!$<HTMLDialogElement>('#consent-dialog').open) moveFocus($(focus[stage]), document);
  }

  private statusText(): string {
    const name = this.helperName;
    if (this.stage === 'ended') return t('share-status-ended');
    if (this.link === 'reconnecting') return t('share-reconnecting');
    if (this.link !== 'open' || !this.stage) return t('share-connecting');
    switch (this.stage) {
      case 'enter_code':
        return this.me ? t('share-status-enter-code', { name: fullName(this.me) }) : t('share-code-label');
      case 'redeeming':
        return t('share-status-redeeming');
      case 'waiting':
        return t('share-status-waiting', { name });
      case 'active':
        return this.peerOnline ? t('share-status-active', { name, mode: this.mode ?? 'view' })
          : t('share-status-peer-away', { name });
    }
  }

  private endedText(): string {
    const ended = this.ended;
    if (!ended) return '';
    if (ended.by === 'sharer') return t('share-ended-by-you');
    if (ended.by === 'helper') return t('share-ended-by-helper', { name: this.helperName });
    return ended.reason ? t('share-ended-by-system-reason', { reason: ended.reason }) : t('share-ended-by-system');
  }

  private render(): void {
    const stage = this.stage;
    const name = this.helperName;
    this.status.textContent = this.statusText();
    // Where the stage heading already says it, the status is for screen readers only.
    const quiet = this.link === 'open' && stage !== null && stage !== 'redeeming';
    this.status.classList.toggle('visually-hidden', quiet);
    this.signedInAs.hidden = !this.me;
    if (this.me) this.signedInAs.textContent = t('share-signed-in-as', { name: fullName(this.me), email: this.me.email });
    const shown = stage ? STAGES[stage] : null;
    for (const selector of new Set(Object.values(STAGES))) $(selector).hidden = selector !== shown;
    const redeeming = stage === 'redeeming';
    this.codeInput.disabled = redeeming;
    this.codeSubmit.disabled = redeeming;
    this.codeSubmit.textContent = t(redeeming ? 'share-code-checking' : 'share-code-submit');
    $('#waiting-title').textContent = t('share-waiting-title', { name });
    $('#waiting-text').textContent = t('share-waiting-text', { name });
    $('#active-title').textContent = t('share-active-title', { name, mode: this.mode ?? 'view' });
    $('#active-text').textContent = this.peerOnline ? t('share-active-text') : t('share-status-peer-away', { name });
    const seen = this.shown;
    // Sizes as plain digits ("1920", not "1,920").
    $('#shown-text').textContent = !seen ? '' : t(seen.monitor === null ? 'share-shown-whole' : 'share-shown-monitor', {
      name,
      monitor: seen.monitor ?? '',
      width: String(seen.width),
      height: String(seen.height),
    });
    $('#ended-text').textContent = this.endedText();
    const check = stage === 'waiting' || stage === 'active' ? this.verification : null;
    this.verificationLine.hidden = !check;
    const line = check ? t('share-verification', { code: check, name }) : '';
    if (check && line !== this.verificationShown) showVerification(this.verificationLine, line, check);
    this.verificationShown = check ? line : null;
    this.consent.showCheck(check, line);
    const inSession = stage === 'waiting' || stage === 'active' || stage === 'ended';
    this.sessionArea.hidden = !inSession;
    this.sessionArea.dataset['stage'] = stage ?? '';
    this.helperSlot.hidden = stage === 'ended';
    this.leaveButton.hidden = !(stage === 'waiting' || stage === 'active');
    document.body.dataset['stage'] = stage ?? 'connecting';
  }
}
