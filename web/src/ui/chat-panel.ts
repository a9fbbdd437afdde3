// The chat thread of a session, the same on the helper console and the
// sharer page: one continuous thread in order without duplicates (messages
// are keyed by their sequence number), any script laid out by its own
// direction, Enter to send, and a count of unread messages. While the
// end-to-end layer is not ready, sending waits with a hint.
import { formatTime, t } from '../i18n';
import { MAX_CHAT_CHARS, type ChatMessage, type Side } from '../types';
import { ICONS, h, icon, uid } from './dom';

export interface ChatPanelOptions {
  /** Which side this page is. */
  me: Side;
  /** The other person's name. */
  otherName: () => string;
  /** Sends a message; false when it could not be sent (not connected). */
  send: (text: string) => boolean;
  /** The number of unread messages changed. */
  unread?: (count: number) => void;
  /** Whether the panel can be folded away. */
  collapsible?: boolean;
  /** Heading level of the panel's title (default h3). */
  level?: 'h2' | 'h3';
}

/** Show the character count when this close to the limit. */
const COUNT_FROM = MAX_CHAT_CHARS - 500;

export class ChatPanel {
  readonly element: HTMLElement;
  private readonly log: HTMLDivElement;
  private readonly input: HTMLTextAreaElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly error: HTMLParagraphElement;
  private readonly count: HTMLSpanElement;
  private readonly hint: HTMLSpanElement;
  private readonly badge: HTMLSpanElement;
  private readonly toggle: HTMLButtonElement | null = null;
  private readonly body: HTMLDivElement;
  private readonly empty: HTMLParagraphElement;
  private readonly seqs = new Set<number>();
  private last = 0;
  private unreadCount = 0;
  private pageSeen = true;
  private expanded = true;
  private connected = false;
  private closed = false;
  private hold: string | null = null;

  constructor(private readonly options: ChatPanelOptions) {
    const titleId = uid('chat-title');
    const bodyId = uid('chat-body');
    const inputId = uid('chat-input');
    const hintId = uid('chat-hint');
    this.badge = h('span', { class: 'badge', hidden: true });
    this.empty = h('p', { class: 'chat-empty' }, t('chat-empty'));
    this.log = h('div', {
      class: 'chat-log',
      role: 'log',
      'aria-live': 'polite',
      'aria-label': t('chat-log-label'),
      tabindex: 0,
    }, this.empty);
    this.input = h('textarea', {
      id: inputId,
      class: 'chat-input',
      rows: 2,
      maxlength: MAX_CHAT_CHARS,
      dir: 'auto',
      placeholder: t('chat-placeholder'),
      'aria-describedby': hintId,
    });
    this.sendButton = h('button', { type: 'submit', class: 'btn btn-primary chat-send' }, t('chat-send'));
    this.error = h('p', { class: 'chat-error', role: 'alert' });
    this.count = h('span', { class: 'chat-count', hidden: true });
    this.hint = h('span', { id: hintId, class: 'chat-hint' }, t('chat-hint'));
    const form = h('form', { class: 'chat-form', novalidate: true },
      h('label', { for: inputId, class: 'visually-hidden' }, t('chat-input-label')),
      this.input,
      h('div', { class: 'chat-actions' },
        this.hint,
        this.count,
        this.sendButton,
      ),
    );
    this.body = h('div', { class: 'chat-body', id: bodyId }, this.log, this.error, form);
    const heading = h(options.level ?? 'h3', { id: titleId, class: 'chat-title' }, icon(ICONS.chat), t('chat-title'), this.badge);
    const head = h('div', { class: 'chat-head' }, heading);
    if (options.collapsible) {
      this.toggle = h('button', {
        type: 'button',
        class: 'btn-icon chat-toggle',
        'aria-expanded': 'true',
        'aria-controls': bodyId,
        'aria-label': t('chat-hide'),
      }, icon(ICONS.expand));
      this.toggle.addEventListener('click', () => this.setExpanded(!this.expanded));
      head.append(this.toggle);
    }
    this.element = h('section', { class: 'chat-panel', 'aria-labelledby': titleId }, head, this.body);

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener('input', () => this.updateCount());
    document.addEventListener('visibilitychange', () => this.refreshSeen());
    this.setConnected(false);
  }

  /** The last message this panel holds (for hello's last_chat_seq). */
  get lastSeq(): number {
    return this.last;
  }

  /** Whether the thread holds the message with this number. */
  has(seq: number): boolean {
    return this.seqs.has(seq);
  }

  /**
   * Adds a message; repeats (same seq) are ignored. `unreadable`: a sealed
   * message that can no longer be opened, shown as a placeholder.
   */
  add(message: ChatMessage, unreadable = false): void {
    if (this.seqs.has(message.seq)) return;
    this.seqs.add(message.seq);
    this.last = Math.max(this.last, message.seq);
    this.empty.remove();
    const mine = message.from === this.options.me;
    const at = new Date(message.at);
    const time = Number.isNaN(at.getTime()) ? null : h('time', { datetime: at.toISOString() }, formatTime(at));
    const item = h('div', { class: `chat-message ${mine ? 'mine' : 'theirs'}`, 'data-seq': message.seq },
      h('div', { class: 'chat-meta' },
        h('span', { class: 'chat-sender' }, mine ? t('chat-you') : this.options.otherName()),
        time,
      ),
      unreadable ? h('p', { class: 'chat-text unreadable' }, t('chat-unreadable'))
        : h('p', { class: 'chat-text', dir: 'auto' }, message.text),
    );
    const stick = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
    const after = [...this.log.querySelectorAll<HTMLElement>('.chat-message')]
      .find((el) => Number(el.dataset['seq']) > message.seq);
    this.log.insertBefore(item, after ?? null);
    if (stick || mine) this.log.scrollTop = this.log.scrollHeight;
    if (!mine && !this.seen) {
      this.unreadCount += 1;
      this.showUnread();
    }
  }

  /** Chat turned off for the session: the panel disappears entirely. */
  setAvailable(available: boolean): void {
    this.element.hidden = !available;
    this.refreshSeen();
  }

  /** Whether messages can be sent now. */
  setConnected(connected: boolean): void {
    this.connected = connected;
    this.updateSendable();
  }

  /**
   * Sending waits (e.g. until the connection is secured end to end): the
   * hint says why. null: sending is possible again.
   */
  setHold(hint: string | null): void {
    this.hold = hint;
    this.hint.textContent = hint ?? t('chat-hint');
    this.hint.classList.toggle('waiting', hint !== null);
    this.updateSendable();
  }

  /** The session is over: the thread stays readable, nothing more can be sent. */
  close(): void {
    this.closed = true;
    this.setHold(null);
    this.input.disabled = true;
    this.input.placeholder = t('chat-closed');
    this.updateSendable();
  }

  /** A new session on the same page: an empty thread that can be written to again. */
  reset(): void {
    this.seqs.clear();
    this.last = 0;
    this.unreadCount = 0;
    this.showUnread();
    this.closed = false;
    this.log.replaceChildren(this.empty);
    this.input.disabled = false;
    this.input.placeholder = t('chat-placeholder');
    this.setHold(null);
  }

  /** Whether the page shows this panel now (active tab, visible window). */
  setSeen(seen: boolean): void {
    this.pageSeen = seen;
    this.refreshSeen();
  }

  focusInput(): void {
    if (!this.expanded) this.setExpanded(true);
    this.input.focus();
  }

  private get seen(): boolean {
    return this.pageSeen && this.expanded && !this.element.hidden && document.visibilityState === 'visible';
  }

  private refreshSeen(): void {
    if (this.seen && this.unreadCount) {
      this.unreadCount = 0;
      this.showUnread();
    }
  }

  private setExpanded(expanded: boolean): void {
    this.expanded = expanded;
    this.body.hidden = !expanded;
    this.element.classList.toggle('collapsed', !expanded);
    if (this.toggle) {
      this.toggle.setAttribute('aria-expanded', String(expanded));
      this.toggle.setAttribute('aria-label', t(expanded ? 'chat-hide' : 'chat-show'));
    }
    this.refreshSeen();
  }

  private showUnread(): void {
    const n = this.unreadCount;
    this.badge.hidden = n === 0;
    this.badge.textContent = String(n);
    this.badge.setAttribute('aria-label', t('chat-unread', { count: n }));
    this.badge.setAttribute('role', 'img');
    this.options.unread?.(n);
  }

  private updateCount(): void {
    const length = [...this.input.value].length;
    this.count.hidden = length < COUNT_FROM;
    this.count.textContent = t('chat-count', { count: length, max: MAX_CHAT_CHARS });
    this.error.textContent = '';
  }

  private updateSendable(): void {
    this.sendButton.disabled = this.closed || !this.connected || this.hold !== null;
  }

  private submit(): void {
    const text = this.input.value;
    // While held the hint says why; the text stays for later.
    if (!text.trim() || this.closed || this.hold !== null) return;
    if ([...text].length > MAX_CHAT_CHARS) {
      this.error.textContent = t('chat-too-long', { max: MAX_CHAT_CHARS });
      return;
    }
    if (!this.options.send(text)) {
      this.error.textContent = t('chat-not-sent');
      return;
    }
    this.input.value = '';
    this.updateCount();
  }
}
