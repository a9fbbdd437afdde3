// The helper's view of a running session: the shared screen with its tool
// bar (fit / actual size, monitor, special keys, laser pointer and colour,
// request control, release keyboard) and the hint that says where the
// keyboard goes. Pointer and keys go to the sharer only in full control.
import { t } from '../i18n';
import { InputCapture } from '../session/input-capture';
import { Laser } from '../session/laser';
import { ScreenView } from '../session/screen-view';
import type { ViewerStats } from '../session/stats';
import type { Mode, MonitorInfo } from '../types';
import { ICONS, h, icon, uid } from '../ui/dom';
import { SpecialKeysMenu } from './special-keys';

export interface ViewerHooks {
  /** Sends a whole binary frame (input, laser pointer); the session tab seals it end to end. */
  sendFrame: (frame: Uint8Array) => boolean;
  selectMonitor: (index: number | null) => void;
  requestControl: () => void;
  /** The sharer's name. */
  otherName: () => string;
}

const DEFAULT_LASER = '#e5362d';

export class ViewerPanel {
  readonly element: HTMLElement;
  readonly screen: ScreenView;
  private readonly capture: InputCapture;
  private readonly laser: Laser;
  private readonly keys: SpecialKeysMenu;
  private readonly fitButton: HTMLButtonElement;
  private readonly monitorPicker: HTMLSelectElement;
  private readonly laserButton: HTMLButtonElement;
  private readonly laserColour: HTMLInputElement;
  private readonly laserGroup: HTMLElement;
  private readonly requestButton: HTMLButtonElement;
  private readonly releaseButton: HTMLButtonElement;
  private readonly hint: HTMLElement;
  private readonly layoutNotice: HTMLElement;
  private readonly layoutText: HTMLElement;
  private mode: Mode | null = null;
  private captured = false;

  constructor(memory: WebAssembly.Memory, stats: ViewerStats, private readonly hooks: ViewerHooks) {
    this.screen = new ScreenView(memory, stats, t('viewer-waiting-picture'));
    this.capture = new InputCapture(this.screen, {
      send: hooks.sendFrame,
      captured: (on) => this.onCaptured(on),
      released: () => this.releaseButton.focus(),
      laserOn: () => this.laser.isOn,
    });
    this.laser = new Laser(this.screen, hooks.sendFrame);

    this.fitButton = h('button', { type: 'button', class: 'btn fit-toggle', 'aria-pressed': 'true' },
      icon(ICONS.fit), t('viewer-fit'));
    this.fitButton.addEventListener('click', () => {
      this.screen.fit = !this.screen.fit;
      this.fitButton.setAttribute('aria-pressed', String(this.screen.fit));
    });

    const pickerId = uid('monitor');
    this.monitorPicker = h('select', { id: pickerId, class: 'monitor-picker', disabled: true },
      h('option', { value: '' }, t('viewer-monitor-all')));
    this.monitorPicker.addEventListener('change', () => {
      const value = this.monitorPicker.value;
      hooks.selectMonitor(value === '' ? null : Number(value));
    });

    this.keys = new SpecialKeysMenu((keys) => this.capture.sendCombo(keys));

    this.laserButton = h('button', { type: 'button', class: 'btn laser-toggle', 'aria-pressed': 'false' },
      icon(ICONS.laser), t('viewer-laser'));
    this.laserButton.addEventListener('click', () => this.setLaser(!this.laser.isOn));
    const colourId = uid('laser-colour');
    this.laserColour = h('input', { id: colourId, type: 'color', class: 'laser-colour', value: DEFAULT_LASER });
    this.laserColour.addEventListener('input', () => this.laser.setColour(this.laserColour.value));
    this.laser.setColour(DEFAULT_LASER);
    this.laserGroup = h('div', { class: 'tool-group' },
      this.laserButton,
      h('label', { for: colourId, class: 'visually-hidden' }, t('viewer-laser-colour')),
      this.laserColour,
    );

    this.requestButton = h('button', { type: 'button', class: 'btn request-control', hidden: true },
      icon(ICONS.mouse), t('viewer-request-control'));
    this.requestButton.addEventListener('click', () => hooks.requestControl());

    this.releaseButton = h('button', {
      type: 'button',
      class: 'btn release-capture',
      'aria-keyshortcuts': 'Control+Shift+F12',
      hidden: true,
    }, t('viewer-release'));
    this.releaseButton.title = t('viewer-release-title');
    this.releaseButton.addEventListener('click', () => {
      this.capture.release();
      this.releaseButton.focus();
    });

    this.hint = h('p', { class: 'capture-hint', 'aria-live': 'polite' });
    this.layoutText = h('span', { class: 'layout-notice-text' });
    const dismiss = h('button', { type: 'button', class: 'btn layout-notice-dismiss' }, t('viewer-layout-dismiss'));
    this.layoutNotice = h('p', { class: 'layout-notice', role: 'status', hidden: true }, this.layoutText, dismiss);
    dismiss.addEventListener('click', () => {
      this.layoutNotice.hidden = true;
      this.screen.canvas.focus();
    });
    const toolbarLabel = uid('tools');
    this.element = h('section', { class: 'viewer', 'aria-labelledby': toolbarLabel, tabindex: -1 },
      h('h3', { id: toolbarLabel, class: 'visually-hidden' }, t('viewer-title', { name: hooks.otherName() })),
      h('div', { class: 'viewer-toolbar', role: 'group', 'aria-label': t('viewer-tools') },
        h('div', { class: 'tool-group' },
          this.fitButton,
          h('label', { for: pickerId, class: 'tool-label' }, t('viewer-monitor')),
          this.monitorPicker,
        ),
        this.laserGroup,
        h('div', { class: 'tool-group' }, this.keys.element, this.releaseButton),
        this.requestButton,
      ),
      this.layoutNotice,
      this.screen.element,
      this.hint,
    );
    this.update(null, false, null);
  }

  /** Reflects the mode in force, whether control may be asked for, and a pending request. */
  update(mode: Mode | null, controlAllowed: boolean, pending: Mode | null): void {
    this.mode = mode;
    const control = mode === 'control';
    this.capture.setEnabled(control);
    this.keys.element.hidden = !control;
    this.releaseButton.hidden = !control;
    this.requestButton.hidden = !(mode === 'view' && controlAllowed);
    this.requestButton.disabled = pending === 'control';
    const canvas = this.screen.canvas;
    canvas.setAttribute('role', control ? 'application' : 'img');
    canvas.setAttribute('aria-label', t(control ? 'viewer-screen-control' : 'viewer-screen-view', {
      name: this.hooks.otherName(),
    }));
    this.element.classList.toggle('control', control);
    this.showHint();
  }

  setPointerEnabled(enabled: boolean): void {
    this.laserGroup.hidden = !enabled;
    if (!enabled) this.setLaser(false);
  }

  /** The sharer's monitors and the one shared (null: the whole screen). */
  setMonitors(monitors: MonitorInfo[], selected: number | null): void {
    const chosen = String(selected ?? '');
    this.monitorPicker.replaceChildren(
      h('option', { value: '' }, t('viewer-monitor-all')),
      ...monitors.map((m) => h('option', { value: m.index },
        t(m.primary ? 'viewer-monitor-primary' : 'viewer-monitor-item', {
          number: m.index + 1,
          name: m.name,
          width: String(m.width),
          height: String(m.height),
        }))),
    );
    this.monitorPicker.value = monitors.some((m) => String(m.index) === chosen) ? chosen : '';
    this.monitorPicker.disabled = monitors.length === 0;
  }

  /** Says what changed on the sharer's screen (until dismissed or replaced). */
  showLayoutChange(text: string): void {
    this.layoutText.textContent = text;
    this.layoutNotice.hidden = false;
  }

  destroy(): void {
    this.capture.setEnabled(false);
    this.setLaser(false);
    this.screen.destroy();
  }

  private setLaser(on: boolean): void {
    this.laser.setOn(on);
    this.laserButton.setAttribute('aria-pressed', String(on));
    this.showHint();
  }

  private onCaptured(on: boolean): void {
    this.captured = on && this.mode === 'control';
    this.element.classList.toggle('captured', this.captured);
    this.showHint();
  }

  private showHint(): void {
    const name = this.hooks.otherName();
    let id: string;
    if (this.laser.isOn) id = 'viewer-hint-laser';
    else if (this.mode !== 'control') id = 'viewer-hint-view';
    else if (this.captured) id = 'viewer-hint-captured';
    else id = 'viewer-hint-control';
    this.hint.textContent = t(id, { name });
  }
}
