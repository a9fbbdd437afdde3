// Asks the sharer whether the helper may see (or control) the screen: a
// modal dialog that takes focus, says exactly what was asked (and the
// security check numbers to compare first), and offers Allow and Decline.
// Escape declines, the safe answer.
import { t } from '../i18n';
import type { Mode } from '../types';
import { showVerification } from '../session/e2e';
import { $ } from '../ui/dom';

export class ConsentDialog {
  private readonly dialog = $<HTMLDialogElement>('#consent-dialog');
  private readonly title = $('#consent-title');
  private readonly text = $('#consent-text');
  private readonly check = $('#consent-verification');
  private mode: Mode | null = null;

  constructor(private readonly answer: (mode: Mode, allow: boolean) => void) {
    $('#consent-allow').addEventListener('click', () => this.reply(true));
    $('#consent-decline').addEventListener('click', () => this.reply(false));
    this.dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      this.reply(false);
    });
  }

  /** Asks (again) for `mode` on behalf of `helper`. */
  ask(mode: Mode, helper: string): void {
    this.mode = mode;
    this.title.textContent = t('share-consent-title', { name: helper });
    this.text.textContent = t(mode === 'control' ? 'share-consent-control' : 'share-consent-view', { name: helper });
    if (!this.dialog.open) this.dialog.showModal();
    this.title.focus();
  }

  /** The security check numbers (null: none yet) and the line that shows them. */
  showCheck(code: string | null, line: string): void {
    this.check.hidden = !code;
    if (code) showVerification(this.check, line, code);
  }

  /** Withdraws the question (the session ended or was answered elsewhere). */
  dismiss(): void {
    this.mode = null;
    if (this.dialog.open) this.dialog.close();
  }

  private reply(allow: boolean): void {
    const mode = this.mode;
    this.dismiss();
    if (mode) this.answer(mode, allow);
  }
}
