// Paging under a long table: where we are ("51–100 of 1 234"), first,
// previous, next and last page, and the page size.
import { t } from '../../i18n';
import { h, uid } from '../../ui/dom';
import { formatNumber } from '../format';

export const PAGE_SIZES = [25, 50, 100, 250] as const;

export class Pager {
  readonly element: HTMLElement;
  private readonly position: HTMLElement;
  private readonly first: HTMLButtonElement;
  private readonly previous: HTMLButtonElement;
  private readonly next: HTMLButtonElement;
  private readonly last: HTMLButtonElement;
  private readonly size: HTMLSelectElement;
  private total = 0;

  constructor(
    label: string,
    private offset: number,
    private limit: number,
    private readonly changed: (offset: number, limit: number) => void,
  ) {
    const button = (cls: string, text: string, go: () => number): HTMLButtonElement => {
      const b = h('button', { type: 'button', class: `btn btn-small ${cls}` }, text);
      b.addEventListener('click', () => this.go(go()));
      return b;
    };
    this.first = button('page-first', t('admin-page-first'), () => 0);
    this.previous = button('page-previous', t('admin-page-previous'), () => this.offset - this.limit);
    this.next = button('page-next', t('admin-page-next'), () => this.offset + this.limit);
    this.last = button('page-last', t('admin-page-last'), () => Math.floor(Math.max(this.total - 1, 0) / this.limit) * this.limit);
    const sizeId = uid('page-size');
    this.size = h('select', { id: sizeId, class: 'page-size' },
      ...PAGE_SIZES.map((n) => h('option', { value: n }, formatNumber(n))));
    this.size.value = String(limit);
    this.size.addEventListener('change', () => {
      this.limit = Number(this.size.value);
      this.go(0);
    });
    this.position = h('p', { class: 'page-position', role: 'status' });
    this.element = h('nav', { class: 'pager', 'aria-label': label },
      this.position,
      h('div', { class: 'pager-buttons' }, this.first, this.previous, this.next, this.last),
      h('div', { class: 'pager-size' }, h('label', { for: sizeId }, t('admin-page-size')), this.size),
    );
  }

  private go(offset: number): void {
    this.offset = Math.max(0, Math.min(offset, Math.max(this.total - 1, 0)));
    this.changed(this.offset, this.limit);
  }

  /** Shows the page that was loaded. */
  update(offset: number, limit: number, shown: number, total: number): void {
    this.offset = offset;
    this.limit = limit;
    this.total = total;
    this.size.value = String(limit);
    const page = Math.floor(offset / limit) + 1;
    const pages = Math.max(1, Math.ceil(total / limit));
    this.position.textContent = total === 0
      ? t('admin-page-none')
      : t('admin-page-position', {
        from: formatNumber(offset + 1),
        to: formatNumber(offset + shown),
        total: formatNumber(total),
        page: formatNumber(page),
        pages: formatNumber(pages),
      });
    const atStart = offset === 0;
    const atEnd = offset + limit >= total;
    this.first.disabled = atStart;
    this.previous.disabled = atStart;
    this.next.disabled = atEnd;
    this.last.disabled = atEnd;
  }
}
