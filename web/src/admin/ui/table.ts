// A data table: a caption for screen readers, column headers that sort
// (buttons, with aria-sort on the sorted column), a scrolling region that
// keyboard users can reach, and a busy state while rows load.
import { t } from '../../i18n';
import { h } from '../../ui/dom';

export interface Column<R> {
  /** The sort key sent to the server (or used locally). */
  key: string;
  label: string;
  cell(row: R): Node | string;
  sortable?: boolean;
  className?: string;
}

export interface SortState {
  key: string;
  descending: boolean;
}

export interface TableOptions<R> {
  caption: string;
  columns: Column<R>[];
  className: string;
  sort?: SortState;
  /** A sortable header was pressed. */
  onSort?: (key: string) => void;
  /** A key for each row (set as data-id, for tests and updates). */
  rowId?: (row: R) => string;
}

export class DataTable<R> {
  readonly element: HTMLElement;
  private readonly table: HTMLTableElement;
  private readonly body: HTMLTableSectionElement;
  private readonly headers = new Map<string, HTMLTableCellElement>();
  private sort: SortState | undefined;

  constructor(private readonly o: TableOptions<R>) {
    this.sort = o.sort;
    const headRow = h('tr', null);
    for (const column of o.columns) {
      const th = h('th', { scope: 'col', class: column.className });
      if (column.sortable && o.onSort) {
        const button = h('button', { type: 'button', class: 'sort-button', 'data-sort': column.key }, column.label,
          h('span', { class: 'sort-mark', 'aria-hidden': 'true' }));
        button.addEventListener('click', () => o.onSort?.(column.key));
        th.append(button);
      } else {
        th.textContent = column.label;
      }
      this.headers.set(column.key, th);
      headRow.append(th);
    }
    this.body = h('tbody', null);
    this.table = h('table', { class: `data-table ${o.className}` },
      h('caption', { class: 'visually-hidden' }, o.caption),
      h('thead', null, headRow),
      this.body,
    );
    this.element = h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': o.caption }, this.table);
    this.showSort();
  }

  setSort(sort: SortState): void {
    this.sort = sort;
    this.showSort();
  }

  private showSort(): void {
    for (const [key, th] of this.headers) {
      const mark = th.querySelector('.sort-mark');
      if (this.sort && this.sort.key === key) {
        th.setAttribute('aria-sort', this.sort.descending ? 'descending' : 'ascending');
        if (mark) mark.textContent = this.sort.descending ? '▼' : '▲';
      } else {
        th.removeAttribute('aria-sort');
        if (mark) mark.textContent = '';
      }
    }
  }

  setBusy(busy: boolean): void {
    this.table.setAttribute('aria-busy', String(busy));
  }

  setRows(rows: readonly R[]): void {
    this.body.replaceChildren(
      ...rows.map((row) =>
        h('tr', { 'data-id': this.o.rowId?.(row) },
          ...this.o.columns.map((column) => {
            const value = column.cell(row);
            return h('td', { class: column.className }, value);
          }),
        ),
      ),
    );
    this.setBusy(false);
  }
}

/** A muted second line in a cell (an e-mail address, an id). */
export function subline(text: string, className = 'cell-sub'): HTMLElement {
  return h('span', { class: className, title: className === 'cell-id' ? text : undefined }, text);
}

/** "Yes" / "No" for a flag. */
export function yesNo(value: boolean): string {
  return value ? t('yes') : t('no');
}
