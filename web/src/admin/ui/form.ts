// Form fields for the admin centre: a label, the control, a help text and
// the server's message for that field, tied together with aria-describedby
// and aria-invalid so screen readers read the problem with the field.
// Form collects the fields and puts a problem document's field errors next
// to the fields they name, with a summary at the top of the form.
import { ApiError } from '../../api';
import { t } from '../../i18n';
import { h, uid } from '../../ui/dom';

export type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

interface Common {
  /** The field's name in the API (where its errors are reported). */
  name: string;
  label: string;
  help?: string;
  /** Shown but not editable (read-only access). */
  disabled?: boolean;
  /** Marks the field as required for assistive technology. */
  required?: boolean;
}

export class Field {
  readonly error: HTMLElement;
  private readonly describedBy: string[];

  constructor(
    readonly name: string,
    readonly root: HTMLElement,
    /** The element that gets focus and aria-invalid. */
    readonly target: HTMLElement,
    help: HTMLElement | null,
    errorInside: HTMLElement = root,
  ) {
    this.error = h('p', { id: uid('error'), class: 'field-error' });
    errorInside.append(this.error);
    this.describedBy = help ? [help.id] : [];
    this.describe(false);
  }

  private describe(withError: boolean): void {
    const ids = withError ? [this.error.id, ...this.describedBy] : this.describedBy;
    if (ids.length) this.target.setAttribute('aria-describedby', ids.join(' '));
    else this.target.removeAttribute('aria-describedby');
  }

  setError(message: string | null): void {
    // The server's messages start in lower case ("must not be empty").
    this.error.textContent = message ? message.charAt(0).toLocaleUpperCase() + message.slice(1) : '';
    // aria-invalid belongs on controls; a fieldset only points at its message.
    const control = this.target.matches('input, select, textarea');
    if (message && control) this.target.setAttribute('aria-invalid', 'true');
    else this.target.removeAttribute('aria-invalid');
    this.describe(Boolean(message));
  }

  focus(): void {
    const focusable = this.target.matches('input, select, textarea, button')
      ? this.target
      : this.target.querySelector<HTMLElement>('input:not(:disabled), select, textarea, button');
    focusable?.focus();
  }
}

function helpText(help: string | undefined): HTMLElement | null {
  return help ? h('p', { id: uid('help'), class: 'help' }, help) : null;
}

export interface TextOptions extends Common {
  value: string;
  type?: 'text' | 'email' | 'password' | 'number' | 'date' | 'search';
  autocomplete?: string;
  inputmode?: string;
  maxLength?: number;
  min?: number;
  max?: number;
  /** A unit shown after the input, e.g. "minutes". */
  suffix?: string;
  placeholder?: string;
  spellcheck?: boolean;
}

export interface TextField extends Field {
  readonly input: HTMLInputElement;
}

export function textField(o: TextOptions): TextField {
  const inputId = uid('field');
  const help = helpText(o.help);
  const input = h('input', {
    id: inputId,
    name: o.name,
    type: o.type ?? 'text',
    autocomplete: o.autocomplete ?? 'off',
    inputmode: o.inputmode,
    maxlength: o.maxLength,
    min: o.min,
    max: o.max,
    placeholder: o.placeholder,
    spellcheck: o.spellcheck === undefined ? undefined : String(o.spellcheck),
    required: o.required,
    'aria-required': o.required ? 'true' : undefined,
    disabled: o.disabled,
  });
  input.value = o.value;
  const control = o.suffix ? h('div', { class: 'input-with-unit' }, input, h('span', { class: 'unit' }, o.suffix)) : input;
  const root = h('div', { class: 'field' }, h('label', { for: inputId }, o.label), control, help);
  return Object.assign(new Field(o.name, root, input, help), { input });
}

export interface AreaField extends Field {
  readonly input: HTMLTextAreaElement;
}

export function textArea(o: Common & { value: string; maxLength?: number }): AreaField {
  const inputId = uid('field');
  const help = helpText(o.help);
  const input = h('textarea', { id: inputId, name: o.name, rows: 3, maxlength: o.maxLength, disabled: o.disabled });
  input.value = o.value;
  const root = h('div', { class: 'field' }, h('label', { for: inputId }, o.label), input, help);
  return Object.assign(new Field(o.name, root, input, help), { input });
}

export interface Choice {
  value: string;
  label: string;
}

export interface SelectField extends Field {
  readonly input: HTMLSelectElement;
}

export function selectField(o: Common & { value: string; choices: Choice[] }): SelectField {
  const inputId = uid('field');
  const help = helpText(o.help);
  const input = h(
    'select',
    { id: inputId, name: o.name, disabled: o.disabled, 'aria-required': o.required ? 'true' : undefined },
    ...o.choices.map((c) => h('option', { value: c.value }, c.label)),
  );
  input.value = o.value;
  const root = h('div', { class: 'field' }, h('label', { for: inputId }, o.label), input, help);
  return Object.assign(new Field(o.name, root, input, help), { input });
}

export interface SwitchField extends Field {
  readonly input: HTMLInputElement;
}

/** An on/off setting: a checkbox with the switch role, label beside it. */
export function switchField(o: Common & { checked: boolean }): SwitchField {
  const inputId = uid('field');
  const help = helpText(o.help);
  const input = h('input', { id: inputId, name: o.name, type: 'checkbox', role: 'switch', disabled: o.disabled });
  input.checked = o.checked;
  const root = h(
    'div',
    { class: 'field field-switch' },
    h('div', { class: 'switch-row' }, input, h('label', { for: inputId }, o.label)),
    help,
  );
  return Object.assign(new Field(o.name, root, input, help), { input });
}

export interface CheckItem {
  value: string;
  label: string;
  hint?: string;
}

export interface CheckList extends Field {
  /** The values ticked, in the order given. */
  values(): string[];
  readonly boxes: HTMLInputElement[];
}

/** Several yes/no choices under one legend (a fieldset). */
export function checkList(o: Common & { items: CheckItem[]; selected: readonly string[]; empty?: string }): CheckList {
  const help = helpText(o.help);
  const boxes: HTMLInputElement[] = [];
  const legend = h('legend', null, o.label);
  const list = h(
    'ul',
    { class: 'check-list' },
    ...o.items.map((item) => {
      const boxId = uid('check');
      const hintId = item.hint ? uid('hint') : undefined;
      const box = h('input', {
        id: boxId,
        type: 'checkbox',
        value: item.value,
        disabled: o.disabled,
        'aria-describedby': hintId,
      });
      box.checked = o.selected.includes(item.value);
      boxes.push(box);
      return h(
        'li',
        null,
        box,
        h('label', { for: boxId }, item.label),
        item.hint ? h('span', { id: hintId, class: 'check-hint' }, item.hint) : null,
      );
    }),
  );
  const root = h(
    'fieldset',
    { class: 'field check-field', name: o.name },
    legend,
    help,
    o.items.length ? list : h('p', { class: 'help empty-note' }, o.empty ?? ''),
  );
  const field = new Field(o.name, root, root, help);
  return Object.assign(field, {
    boxes,
    values: () => boxes.filter((b) => b.checked).map((b) => b.value),
  });
}

/** The field name a server error refers to: `groups[2]` → `groups`. */
function baseName(field: string): string {
  return field.replace(/\[\d+\]$/, '').replace(/^\.+/, '');
}

export class Form {
  readonly element: HTMLFormElement;
  /** Read out when the server refuses the form; lists the fields at fault. */
  readonly summary: HTMLElement;
  private readonly fields = new Map<string, Field>();

  constructor(
    className: string,
    label: string,
    private readonly submit: () => Promise<void> | void,
  ) {
    this.summary = h('div', { class: 'form-summary', role: 'alert', tabindex: -1 });
    this.element = h('form', { class: `form admin-form ${className}`, 'aria-label': label, novalidate: true }, this.summary);
    this.element.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.submit();
    });
  }

  /** Adds fields (to the form, or to `into` inside it). */
  add(fields: Field[], into: HTMLElement = this.element): void {
    for (const field of fields) {
      this.fields.set(field.name, field);
      into.append(field.root);
    }
  }

  /** A field added earlier. */
  field(name: string): Field | undefined {
    return this.fields.get(name);
  }

  clearErrors(): void {
    this.summary.replaceChildren();
    for (const field of this.fields.values()) field.setError(null);
  }

  /** Shows a message at the top of the form (not tied to a field). */
  showMessage(message: string): void {
    this.summary.replaceChildren(h('p', { class: 'form-error' }, message));
  }

  /**
   * Shows why the server refused: each field error next to its field (or
   * in the summary when no field here has that name), a 409 conflict at
   * `conflictField`, anything else in the summary. Focuses the first field
   * at fault. Returns the names of the fields at fault.
   */
  showError(error: unknown, conflictField?: string): string[] {
    this.clearErrors();
    if (!(error instanceof ApiError)) {
      this.showMessage(t('error-generic'));
      return [];
    }
    const errors = error.problem?.errors ?? [];
    const bad: Field[] = [];
    const unplaced: string[] = [];
    if (errors.length) {
      for (const e of errors) {
        const field = this.fields.get(baseName(e.field));
        if (field) {
          field.setError(e.message);
          if (!bad.includes(field)) bad.push(field);
        } else {
          unplaced.push(`${e.field}: ${e.message}`);
        }
      }
    } else if (error.status === 409 && conflictField && this.fields.has(conflictField)) {
      const field = this.fields.get(conflictField);
      if (field) {
        field.setError(error.detail);
        bad.push(field);
      }
    } else {
      unplaced.push(error.detail);
    }
    const summary: HTMLElement[] = [];
    // A one-field form needs no summary of its one message.
    if (bad.length && this.fields.size > 1) summary.push(h('p', { class: 'form-error' }, t('admin-form-fix', { count: bad.length })));
    for (const message of unplaced) summary.push(h('p', { class: 'form-error' }, message));
    this.summary.replaceChildren(...summary);
    const first = bad[0];
    if (first) first.focus();
    else this.summary.focus();
    return bad.map((f) => f.name);
  }
}
