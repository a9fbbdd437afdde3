// The pieces every admin-centre page is made of: its heading (which gets
// focus when the page opens), actions, sub-navigation between tabs of one
// area, loading, empty and error states, the read-only note, the status
// line after a save and the "changed by someone else" banner.
import { ApiError } from '../../api';
import { t } from '../../i18n';
import { ICONS, h, icon } from '../../ui/dom';

/** A page of the admin centre, as the shell shows it. */
export interface View {
  readonly element: HTMLElement;
  /** Window title (without the product name). */
  readonly title: string;
  /** Gets focus when the page opens. */
  readonly heading: HTMLElement;
  dispose?(): void;
}

export interface PageParts {
  root: HTMLElement;
  heading: HTMLElement;
  header: HTMLElement;
}

/** A page with its heading, an optional lead text and actions at the end of the header. */
export function page(className: string, title: string, lead?: string, actions: HTMLElement[] = []): PageParts {
  const heading = h('h1', { tabindex: -1, class: 'page-title' }, title);
  const header = h(
    'div',
    { class: 'page-header' },
    h('div', { class: 'page-heading' }, heading, lead ? h('p', { class: 'lead' }, lead) : null),
    actions.length ? h('div', { class: 'page-actions' }, ...actions) : null,
  );
  const root = h('section', { class: `admin-page ${className}` }, header);
  return { root, heading, header };
}

export interface Tab {
  href: string;
  label: string;
  current: boolean;
  className?: string;
}

/** Links between the tabs of one area (each tab is its own address). */
export function subnav(label: string, tabs: Tab[]): HTMLElement {
  return h(
    'nav',
    { class: 'subnav', 'aria-label': label },
    h(
      'ul',
      null,
      ...tabs.map((tab) =>
        h(
          'li',
          null,
          h('a', { href: tab.href, class: tab.className, 'aria-current': tab.current ? 'page' : undefined }, tab.label),
        ),
      ),
    ),
  );
}

/** A link styled as a button. */
export function linkButton(href: string, label: string, className = 'btn'): HTMLAnchorElement {
  return h('a', { href, class: className }, label);
}

export function loading(): HTMLElement {
  return h('p', { class: 'admin-loading', role: 'status' }, t('loading'));
}

export function emptyState(title: string, text: string, action?: HTMLElement): HTMLElement {
  return h('div', { class: 'empty-state admin-empty' }, h('h2', null, title), h('p', null, text), action ?? null);
}

/** The message for a failed load: refused (403) gets its own words. */
export function errorState(error: unknown): HTMLElement {
  if (error instanceof ApiError && error.status === 403) {
    return h(
      'div',
      { class: 'banner banner-warning access-refused', role: 'alert' },
      icon(ICONS.warning, 'icon banner-icon'),
      h(
        'div',
        { class: 'banner-text' },
        h('p', { class: 'banner-title' }, t('admin-refused-title')),
        h('p', null, error.detail),
      ),
    );
  }
  const detail = error instanceof ApiError ? error.detail : t('error-generic');
  return h('p', { class: 'page-error', role: 'alert' }, detail);
}

/** Says the page is shown read-only (the person's roles do not allow changes). */
export function readOnlyNote(): HTMLElement {
  return h('p', { class: 'read-only-note' }, icon(ICONS.warning), t('admin-read-only'));
}

/** A polite status line ("Saved."). */
export function statusLine(className = 'save-status'): HTMLElement {
  return h('p', { class: `status-line ${className}`, role: 'status' });
}

/**
 * The banner shown when a save failed because someone else changed the
 * object since it was read (412): reload shows their version.
 */
export function staleBanner(reload: () => void): HTMLElement {
  const button = h('button', { type: 'button', class: 'btn stale-reload' }, t('admin-stale-reload'));
  button.addEventListener('click', reload);
  return h(
    'div',
    { class: 'banner banner-warning stale-banner', role: 'alert' },
    icon(ICONS.warning, 'icon banner-icon'),
    h(
      'div',
      { class: 'banner-text' },
      h('p', { class: 'banner-title' }, t('admin-stale-title')),
      h('p', null, t('admin-stale-text')),
      h('div', { class: 'banner-actions' }, button),
    ),
  );
}

/** Whether an error says the object changed since it was read. */
export function isStale(error: unknown): boolean {
  return error instanceof ApiError && error.status === 412;
}
