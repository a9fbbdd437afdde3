// The special keys menu: key combinations the helper's own computer or
// browser would catch (Ctrl+Alt+Del, Alt+Tab, …) sent to the sharer's
// computer as press/release sequences. A WAI-ARIA menu button.
import { t } from '../i18n';
import { ICONS, h, icon, uid } from '../ui/dom';

/** X11 keysyms. */
const K = {
  ctrl: 0xffe3,
  alt: 0xffe9,
  super: 0xffeb,
  del: 0xffff,
  tab: 0xff09,
  f4: 0xffc1,
  esc: 0xff1b,
  print: 0xff61,
} as const;

export const COMBOS: { id: string; keys: number[] }[] = [
  { id: 'keys-ctrl-alt-del', keys: [K.ctrl, K.alt, K.del] },
  { id: 'keys-alt-tab', keys: [K.alt, K.tab] },
  { id: 'keys-alt-f4', keys: [K.alt, K.f4] },
  { id: 'keys-super', keys: [K.super] },
  { id: 'keys-ctrl-esc', keys: [K.ctrl, K.esc] },
  { id: 'keys-print', keys: [K.print] },
];

export class SpecialKeysMenu {
  readonly element: HTMLElement;
  readonly button: HTMLButtonElement;
  private readonly menu: HTMLElement;
  private readonly items: HTMLButtonElement[];

  constructor(send: (keys: number[]) => void) {
    const menuId = uid('keys-menu');
    this.button = h('button', {
      type: 'button',
      class: 'btn special-keys',
      'aria-haspopup': 'menu',
      'aria-expanded': 'false',
      'aria-controls': menuId,
    }, icon(ICONS.keyboard), t('keys-menu'), icon(ICONS.expand, 'icon chevron'));
    this.items = COMBOS.map(({ id, keys }) => {
      const item = h('button', { type: 'button', role: 'menuitem', tabindex: -1, class: 'menu-item' }, t(id));
      item.addEventListener('click', () => {
        send(keys);
        this.close(true);
      });
      return item;
    });
    this.menu = h('div', { id: menuId, role: 'menu', class: 'menu', 'aria-label': t('keys-menu'), hidden: true },
      ...this.items);
    this.element = h('div', { class: 'menu-wrap' }, this.button, this.menu);

    this.button.addEventListener('click', () => (this.isOpen ? this.close(false) : this.open(0)));
    this.button.addEventListener('keydown', (event) => {
      if (event.key === 'ArrowDown') this.open(0);
      else if (event.key === 'ArrowUp') this.open(this.items.length - 1);
      else return;
      event.preventDefault();
    });
    this.menu.addEventListener('keydown', (event) => this.onMenuKey(event));
    this.menu.addEventListener('focusout', (event) => {
      if (!this.element.contains(event.relatedTarget as Node | null)) this.close(false);
    });
  }

  set disabled(value: boolean) {
    this.button.disabled = value;
    if (value) this.close(false);
  }

  private get isOpen(): boolean {
    return !this.menu.hidden;
  }

  private open(index: number): void {
    this.menu.hidden = false;
    this.button.setAttribute('aria-expanded', 'true');
    this.items[index]?.focus();
  }

  private close(focusButton: boolean): void {
    if (!this.isOpen) return;
    this.menu.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
    if (focusButton) this.button.focus();
  }

  private onMenuKey(event: KeyboardEvent): void {
    const index = this.items.indexOf(event.target as HTMLButtonElement);
    const n = this.items.length;
    let next: number | null = null;
    if (event.key === 'ArrowDown') next = (index + 1) % n;
    else if (event.key === 'ArrowUp') next = (index - 1 + n) % n;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = n - 1;
    else if (event.key === 'Escape') {
      event.preventDefault();
      this.close(true);
      return;
    } else if (event.key === 'Tab') {
      this.close(false);
      return;
    }
    if (next === null) return;
    event.preventDefault();
    this.items[next]?.focus();
  }
}
