// The console's sign-in form: e-mail and password, then the authenticator
// code when the account has a second factor (the server answers
// `totp-required`); errors are read out from an alert region.
import * as api from '../api';
import { t } from '../i18n';
import { $, moveFocus } from '../ui/dom';
import type { MeView } from '../types';

export class SignIn {
  private readonly form = $<HTMLFormElement>('#sign-in-form');
  private readonly email = $<HTMLInputElement>('#email');
  private readonly password = $<HTMLInputElement>('#password');
  private readonly totp = $<HTMLInputElement>('#totp');
  private readonly totpField = $('#totp-field');
  private readonly button = $<HTMLButtonElement>('#sign-in');
  private readonly error = $('#sign-in-error');
  private busy = false;

  constructor(private readonly signedIn: (me: MeView) => void) {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.submit();
    });
  }

  /** Shows an empty form (with a reason, e.g. the sign-in expired). */
  reset(message = ''): void {
    this.password.value = '';
    this.totp.value = '';
    this.totpField.hidden = true;
    this.totp.required = false;
    this.error.textContent = message;
    this.setInvalid(null);
  }

  focus(): void {
    moveFocus(this.email.value ? this.password : this.email);
  }

  private setInvalid(field: HTMLInputElement | null): void {
    for (const input of [this.email, this.password, this.totp]) {
      if (input === field) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
  }

  private async submit(): Promise<void> {
    if (this.busy) return;
    const email = this.email.value.trim();
    const password = this.password.value;
    const totp = this.totp.value.replace(/\s/g, '');
    if (!email || !password) {
      this.error.textContent = t('sign-in-missing');
      const missing = email ? this.password : this.email;
      this.setInvalid(missing);
      missing.focus();
      return;
    }
    if (!this.totpField.hidden && !totp) {
      this.error.textContent = t('sign-in-totp-missing');
      this.setInvalid(this.totp);
      this.totp.focus();
      return;
    }
    this.busy = true;
    this.button.disabled = true;
    this.button.textContent = t('sign-in-busy');
    this.error.textContent = '';
    try {
      const me = await api.signIn(email, password, this.totpField.hidden ? undefined : totp);
      this.setInvalid(null);
      this.signedIn(me);
    } catch (error) {
      if (error instanceof api.ApiError && error.kind === 'totp-required') {
        this.totpField.hidden = false;
        this.totp.required = true;
        this.error.textContent = t('sign-in-totp-needed');
        this.setInvalid(null);
        this.totp.focus();
      } else {
        this.error.textContent = error instanceof api.ApiError ? error.detail : t('error-generic');
        const field = this.totpField.hidden ? this.password : this.totp;
        this.setInvalid(field);
        field.select();
        field.focus();
      }
    } finally {
      this.busy = false;
      this.button.disabled = false;
      this.button.textContent = t('sign-in-submit');
    }
  }
}
