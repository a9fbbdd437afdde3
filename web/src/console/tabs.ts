// The helper's sessions as tabs (WAI-ARIA tabs pattern): one tab stop for
// the list, arrow keys (mirrored in right-to-left layouts), Home and End
// move between tabs, and each tab shows its own panel.
import { uid } from '../ui/dom';

export interface TabItem {
  readonly tab: HTMLElement;
  readonly panel: HTMLElement;
  /** The tab became the shown one (true) or stopped being it. */
  setActive(active: boolean): void;
}

export class Tabs<T extends TabItem> {
  private readonly items: T[] = [];
  private current: T | null = null;

  constructor(
    private readonly list: HTMLElement,
    private readonly panels: HTMLElement,
    private readonly changed: (current: T | null) => void,
  ) {
    list.setAttribute('role', 'tablist');
    list.addEventListener('keydown', (event) => this.onKey(event));
  }

  get active(): T | null {
    return this.current;
  }

  get all(): readonly T[] {
    return this.items;
  }

  get count(): number {
    return this.items.length;
  }

  add(item: T): void {
    const tabId = uid('tab');
    const panelId = uid('panel');
    item.tab.id = tabId;
    item.tab.setAttribute('role', 'tab');
    item.tab.setAttribute('aria-controls', panelId);
    item.panel.id = panelId;
    item.panel.setAttribute('role', 'tabpanel');
    item.panel.setAttribute('aria-labelledby', tabId);
    item.tab.addEventListener('click', () => this.select(item));
    this.items.push(item);
    this.list.append(item.tab);
    this.panels.append(item.panel);
    this.select(item);
  }

  remove(item: T): void {
    const index = this.items.indexOf(item);
    if (index < 0) return;
    this.items.splice(index, 1);
    item.tab.remove();
    item.panel.remove();
    if (this.current === item) {
      this.current = null;
      const next = this.items[Math.min(index, this.items.length - 1)];
      if (next) this.select(next, true);
      else this.changed(null);
    }
  }

  select(item: T, focusTab = false): void {
    for (const other of this.items) {
      const on = other === item;
      other.tab.setAttribute('aria-selected', String(on));
      other.tab.tabIndex = on ? 0 : -1;
      other.panel.hidden = !on;
      if (other !== item && other === this.current) other.setActive(false);
    }
    const changed = this.current !== item;
    this.current = item;
    if (changed) {
      item.setActive(true);
      this.changed(item);
    }
    if (focusTab) item.tab.focus();
  }

  private onKey(event: KeyboardEvent): void {
    const index = this.items.findIndex((item) => item.tab === event.target);
    if (index < 0) return;
    const rtl = getComputedStyle(this.list).direction === 'rtl';
    const step: Record<string, number> = {
      ArrowRight: rtl ? -1 : 1,
      ArrowLeft: rtl ? 1 : -1,
    };
    let next: number;
    if (event.key in step) next = (index + (step[event.key] ?? 0) + this.items.length) % this.items.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = this.items.length - 1;
    else return;
    event.preventDefault();
    const item = this.items[next];
    if (item) this.select(item, true);
  }
}
