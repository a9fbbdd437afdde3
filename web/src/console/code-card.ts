// The security code as the helper reads it out: large, formatted
// K7MQ-2XPA-H4RT (the server's 8 symbols and this browser's secret 4), with
// a Copy button, a line saying all 12 are needed, and a countdown to when it
// stops working.
import { t } from '../i18n';
import { ICONS, h, icon, uid } from '../ui/dom';

/** "9:05" for 545 seconds. */
export function minutesSeconds(totalSeconds: number): string {
  const s = Math.max(0, Math.ceil(totalSeconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export class CodeCard {
  readonly element: HTMLElement;
  /** The code itself (`.code-value`), focusable so screen readers read it on arrival. */
  readonly value: HTMLElement;
  private readonly expiry: HTMLElement;
  private readonly meter: HTMLElement;
  private readonly copied: HTMLElement;
  private timer: number | undefined;

  constructor(
    private readonly code: string,
    private readonly deadline: number,
    private readonly lifetimeSeconds: number,
    private readonly expired: () => void,
  ) {
    const titleId = uid('code-title');
    const noteId = uid('code-note');
    this.value = h('p', { class: 'code-value', tabindex: -1, 'aria-describedby': `${titleId} ${noteId}` }, code);
    const copy = h('button', { type: 'button', class: 'btn copy-code' }, icon(ICONS.copy), t('code-copy'));
    copy.addEventListener('click', () => void this.copy());
    this.copied = h('span', { class: 'copy-done', role: 'status' });
    this.expiry = h('p', { class: 'code-expiry', role: 'timer', 'aria-atomic': 'true' });
    this.meter = h('span', { class: 'meter-fill' });
    this.element = h('section', { class: 'card code-card', 'aria-labelledby': titleId },
      h('h3', { id: titleId, class: 'card-title' }, t('code-title')),
      this.value,
      h('div', { class: 'code-actions' }, copy, this.copied),
      h('p', { id: noteId, class: 'code-note' }, t('code-whole-note')),
      h('span', { class: 'meter', 'aria-hidden': 'true' }, this.meter),
      this.expiry,
      h('ol', { class: 'steps' },
        h('li', null, t('code-step-give')),
        h('li', null, t('code-step-enter')),
        h('li', null, t('code-step-see')),
      ),
    );
    this.tick();
    this.timer = window.setInterval(() => this.tick(), 1000);
  }

  /** Stops the countdown (the code was used or the tab closed). */
  stop(): void {
    window.clearInterval(this.timer);
  }

  private tick(): void {
    const left = (this.deadline - performance.now()) / 1000;
    if (left <= 0) {
      this.stop();
      this.expiry.textContent = t('code-expired');
      this.meter.style.width = '0';
      this.expired();
      return;
    }
    this.expiry.textContent = t('code-expires-in', { time: minutesSeconds(left) });
    this.expiry.classList.toggle('soon', left <= 60);
    this.meter.style.width = `${Math.max(0, Math.min(100, (left / this.lifetimeSeconds) * 100))}%`;
    this.meter.classList.toggle('soon', left <= 60);
  }

  private async copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.code);
      this.copied.textContent = t('code-copied');
    } catch {
      // No clipboard access (e.g. not HTTPS): select the code for Ctrl+C.
      const range = document.createRange();
      range.selectNodeContents(this.value);
      const selection = getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
      this.copied.textContent = t('code-copy-manually');
    }
    window.setTimeout(() => {
      this.copied.textContent = '';
    }, 4000);
  }
}
