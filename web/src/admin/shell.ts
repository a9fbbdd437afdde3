// The admin centre around its pages: the side navigation (only the areas
// the person may read), the address → page routing, and what happens on
// every page change: the old page is disposed, the new one is built, its
// heading gets focus and the window title changes.
import { t } from '../i18n';
import type { MeView } from '../types';
import { $, h } from '../ui/dom';
import { Access } from './access';
import { type Context, navItems, route } from './routes';
import { type View, emptyState, errorState, loading, page } from './ui/page';

function parse(hash: string): { path: string[]; params: URLSearchParams } {
  const text = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = text.split('?', 2);
  return { path: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query) };
}

export class Shell {
  readonly access: Access;
  private readonly nav = $('#admin-nav');
  private readonly host = $('#admin-view');
  private current: View | null = null;
  private generation = 0;
  private flash = '';

  constructor(me: MeView) {
    this.access = new Access(me);
    this.renderNav();
    window.addEventListener('hashchange', this.onHash);
  }

  dispose(): void {
    window.removeEventListener('hashchange', this.onHash);
    this.current?.dispose?.();
    this.current = null;
    this.host.replaceChildren();
  }

  /** Shows the page at the current address (or the first the person may read). */
  start(): void {
    void this.show();
  }

  private readonly onHash = (): void => {
    if (location.hash.startsWith('#/') || location.hash === '') void this.show();
  };

  private defaultHash(): string {
    const first = navItems(this.access).find((item) => this.access.has(item.permission));
    return first?.href ?? '#/audit';
  }

  private renderNav(): void {
    const items = navItems(this.access).filter((item) => this.access.has(item.permission));
    const section = (key: 'tenant' | 'people', title: string): HTMLElement | null => {
      const mine = items.filter((item) => item.section === key);
      if (!mine.length) return null;
      const headingId = `nav-${key}`;
      return h('div', { class: 'nav-section' },
        h('h2', { id: headingId, class: 'nav-heading' }, title),
        h('ul', { 'aria-labelledby': headingId },
          ...mine.map((item) => h('li', null, h('a', { href: item.href, 'data-area': item.area, class: `nav-${item.area}` }, item.label))),
        ),
      );
    };
    this.nav.replaceChildren(
      ...[section('tenant', t('admin-nav-tenant')), section('people', t('admin-nav-people'))].filter(
        (e): e is HTMLElement => e !== null,
      ),
    );
  }

  private markArea(area: string): void {
    for (const link of this.nav.querySelectorAll<HTMLAnchorElement>('a[data-area]')) {
      if (link.dataset['area'] === area) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
  }

  private context(params: URLSearchParams): Context {
    const flash = this.flash;
    this.flash = '';
    return {
      access: this.access,
      params,
      flash,
      navigate: (hash: string) => {
        if (location.hash === hash) void this.show();
        else location.hash = hash;
      },
      replaceParams: (next: URLSearchParams) => {
        const { path } = parse(location.hash);
        const query = next.toString();
        history.replaceState(null, '', `#/${path.map(encodeURIComponent).join('/')}${query ? `?${query}` : ''}`);
      },
      setFlash: (message: string) => {
        this.flash = message;
      },
    };
  }

  private async show(): Promise<void> {
    if (!location.hash.startsWith('#/')) {
      history.replaceState(null, '', this.defaultHash());
    }
    const { path, params } = parse(location.hash);
    const generation = ++this.generation;
    this.current?.dispose?.();
    this.current = null;
    const found = route(path);
    this.markArea(found?.route.area ?? '');
    let view: View;
    if (!found) {
      view = this.notFound();
    } else if (!this.access.has(found.route.permission)) {
      view = this.refused();
    } else {
      this.host.replaceChildren(loading());
      this.host.setAttribute('aria-busy', 'true');
      try {
        view = await found.route.build(this.context(params), found.id);
      } catch (error) {
        const p = page('load-failed', t('admin-load-failed'));
        p.root.append(errorState(error));
        view = { element: p.root, heading: p.heading, title: t('admin-load-failed') };
      }
      this.host.removeAttribute('aria-busy');
    }
    if (generation !== this.generation) {
      view.dispose?.();
      return;
    }
    this.current = view;
    this.host.replaceChildren(view.element);
    document.title = t('admin-page-title', { page: view.title });
    view.heading.focus();
  }

  private notFound(): View {
    const p = page('not-found', t('admin-not-found-title'));
    p.root.append(emptyState(t('admin-not-found-title'), t('admin-not-found-text'),
      h('a', { href: this.defaultHash(), class: 'btn' }, t('admin-not-found-home'))));
    return { element: p.root, heading: p.heading, title: t('admin-not-found-title') };
  }

  /** The person's roles do not allow this page (the server would refuse its data too). */
  private refused(): View {
    const p = page('refused', t('admin-refused-title'));
    p.root.append(h('p', { class: 'banner banner-warning access-refused', role: 'alert' }, t('admin-refused-page')));
    return { element: p.root, heading: p.heading, title: t('admin-refused-title') };
  }
}
