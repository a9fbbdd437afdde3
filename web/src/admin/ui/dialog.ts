// Modal dialogs on the native <dialog> element: the browser keeps focus
// inside and Escape closes it; focus goes back to where it was. Used to
// confirm destructive actions and for short forms (reset a password).
import { t } from '../../i18n';
import { h, uid } from '../../ui/dom';

export interface DialogOptions {
  title: string;
  /** Body: text or elements. */
  body: (HTMLElement | string)[];
  /** Class for tests, e.g. `confirm-dialog`. */
  className?: string;
}

/** An open dialog: close it, or wait for it to close. */
export interface OpenDialog {
  readonly element: HTMLDialogElement;
  close(value?: string): void;
  readonly closed: Promise<string>;
}

export function openDialog(o: DialogOptions, actions: HTMLElement[]): OpenDialog {
  const titleId = uid('dialog-title');
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const element = h(
    'dialog',
    { class: `dialog ${o.className ?? ''}`, 'aria-labelledby': titleId },
    h('h2', { id: titleId, class: 'dialog-title' }, o.title),
    h('div', { class: 'dialog-body' }, ...o.body),
    actions.length ? h('div', { class: 'dialog-actions' }, ...actions) : null,
  );
  document.body.append(element);
  const closed = new Promise<string>((resolve) => {
    element.addEventListener('close', () => {
      resolve(element.returnValue);
      element.remove();
      opener?.focus();
    });
  });
  element.returnValue = '';
  element.showModal();
  return {
    element,
    closed,
    close: (value = '') => element.close(value),
  };
}

export interface ConfirmOptions {
  title: string;
  message: string;
  confirm: string;
  /** Red confirm button for actions that remove or block something. */
  danger?: boolean;
}

/** Asks before an action; resolves true when confirmed. Cancel has focus first. */
export async function confirmDialog(o: ConfirmOptions): Promise<boolean> {
  const cancel = h('button', { type: 'button', class: 'btn dialog-cancel', autofocus: true }, t('admin-cancel'));
  const ok = h('button', { type: 'button', class: `btn ${o.danger ? 'btn-danger' : 'btn-primary'} dialog-confirm` }, o.confirm);
  const dialog = openDialog({ title: o.title, body: [h('p', null, o.message)], className: 'confirm-dialog' }, [cancel, ok]);
  cancel.addEventListener('click', () => dialog.close('cancel'));
  ok.addEventListener('click', () => dialog.close('ok'));
  cancel.focus();
  return (await dialog.closed) === 'ok';
}
