// A form in steps (SPEC §5's role-assignment stepper): a list of steps
// showing where you are (aria-current="step"), one step shown at a time,
// Back and Next, and the last step's submit button. Steps can be visited
// in any order; when the server refuses, the stepper opens the first step
// with a field at fault.
import { t } from '../../i18n';
import { h, uid } from '../../ui/dom';

export interface Step {
  key: string;
  title: string;
  /** The step's content (fields, or the review). */
  body: HTMLElement;
  /** API field names shown in this step. */
  fields: string[];
  /** Called when the step is shown (e.g. to refresh the review). */
  onShow?: () => void;
}

export class Stepper {
  readonly element: HTMLElement;
  private readonly buttons: HTMLButtonElement[] = [];
  private readonly panels: HTMLElement[] = [];
  private readonly headings: HTMLElement[] = [];
  private readonly back: HTMLButtonElement;
  private readonly next: HTMLButtonElement;
  private index = 0;

  constructor(
    private readonly steps: Step[],
    /** The last step's action (submit button), shown in place of Next. */
    private readonly finish: HTMLElement | null,
  ) {
    const list = h('ol', { class: 'stepper-steps' });
    steps.forEach((step, i) => {
      const button = h('button', { type: 'button', class: `stepper-step step-${step.key}` },
        h('span', { class: 'step-number', 'aria-hidden': 'true' }, String(i + 1)),
        h('span', { class: 'step-title' }, step.title));
      button.addEventListener('click', () => this.show(i, true));
      this.buttons.push(button);
      list.append(h('li', null, button));
      const headingId = uid('step');
      const heading = h('h2', { id: headingId, class: 'step-heading', tabindex: -1 }, t('admin-step-of', { n: i + 1, total: steps.length, title: step.title }));
      this.headings.push(heading);
      this.panels.push(h('section', { class: `step-panel panel-${step.key}`, 'aria-labelledby': headingId }, heading, step.body));
    });
    this.back = h('button', { type: 'button', class: 'btn step-back' }, t('admin-step-back'));
    this.next = h('button', { type: 'button', class: 'btn btn-primary step-next' }, t('admin-step-next'));
    this.back.addEventListener('click', () => this.show(this.index - 1, true));
    this.next.addEventListener('click', () => this.show(this.index + 1, true));
    this.element = h('div', { class: 'stepper' },
      h('nav', { class: 'stepper-nav', 'aria-label': t('admin-steps') }, list),
      h('div', { class: 'stepper-panels' }, ...this.panels),
      h('div', { class: 'stepper-actions' }, this.back, this.next, finish),
    );
    this.show(0, false);
  }

  /** Shows step `i`; moves focus to its heading when the person moved there. */
  show(i: number, focus: boolean): void {
    this.index = Math.max(0, Math.min(i, this.steps.length - 1));
    this.steps[this.index]?.onShow?.();
    this.panels.forEach((panel, j) => {
      panel.hidden = j !== this.index;
      const button = this.buttons[j];
      if (!button) return;
      if (j === this.index) button.setAttribute('aria-current', 'step');
      else button.removeAttribute('aria-current');
      button.classList.toggle('done', j < this.index);
    });
    const last = this.index === this.steps.length - 1;
    this.back.hidden = this.index === 0;
    this.next.hidden = last;
    if (this.finish) this.finish.hidden = !last;
    if (focus) this.headings[this.index]?.focus();
  }

  /** Whether the last step (with the submit button) is shown. */
  get atLast(): boolean {
    return this.index === this.steps.length - 1;
  }

  /** Goes to the next step (Enter in a field of an earlier step does this). */
  forward(): void {
    this.show(this.index + 1, true);
  }

  /** Opens the first step that shows one of `fields`; returns whether one did. */
  showFieldStep(fields: string[]): boolean {
    const i = this.steps.findIndex((step) => step.fields.some((f) => fields.includes(f)));
    if (i < 0) return false;
    this.show(i, false);
    return true;
  }

  /** Marks steps with a field at fault. */
  markErrors(fields: string[]): void {
    this.steps.forEach((step, i) => {
      const button = this.buttons[i];
      if (!button) return;
      const bad = step.fields.some((f) => fields.includes(f));
      button.classList.toggle('has-error', bad);
      button.querySelector('.step-flag')?.remove();
      if (bad) button.append(h('span', { class: 'step-flag visually-hidden' }, t('admin-step-has-error')));
    });
  }
}
