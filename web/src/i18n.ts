// Every string a person reads comes from a Fluent file (src/locales/LANG/
// deskmate.ftl, and admin.ftl for the admin centre). This module picks the
// language, looks strings up with t(), translates the static HTML
// (data-l10n-id) and sets <html lang dir>, so right-to-left languages lay
// out correctly once their files exist.
import { FluentBundle, FluentResource, type FluentVariable } from '@fluent/bundle';
import { negotiateLanguages } from '@fluent/langneg';
import englishMain from './locales/en/deskmate.ftl?raw';
import englishAdmin from './locales/en/admin.ftl?raw';

/** Both English files: the fallback for every string. */
const english = `${englishMain}\n${englishAdmin}`;

/** Other languages are fetched only when chosen. */
const others = import.meta.glob<string>(['./locales/*/deskmate.ftl', '!./locales/en/deskmate.ftl'], {
  query: '?raw',
  import: 'default',
});
/** Their admin-centre strings, when translated (English fills the gaps). */
const othersAdmin = import.meta.glob<string>(['./locales/*/admin.ftl', '!./locales/en/admin.ftl'], {
  query: '?raw',
  import: 'default',
});

const FALLBACK = 'en';
/** Attributes a translation may set on an element. */
const ATTRIBUTES = new Set(['aria-label', 'placeholder', 'title', 'alt', 'label', 'aria-description']);
const RTL = new Set(['ar', 'he', 'fa', 'ur', 'ps', 'yi', 'dv', 'ckb', 'sd', 'ug']);

let bundles: FluentBundle[] = [];
let current = FALLBACK;

function bundleFor(locale: string, source: string): FluentBundle {
  const bundle = new FluentBundle(locale);
  const errors = bundle.addResource(new FluentResource(source));
  for (const error of errors) console.warn(`deskmate.ftl (${locale}):`, error);
  return bundle;
}

function available(): string[] {
  const found = Object.keys(others)
    .map((path) => /\/locales\/([^/]+)\//.exec(path)?.[1])
    .filter((l): l is string => typeof l === 'string');
  return [...new Set([FALLBACK, ...found])];
}

/** Whether a language is written right to left. */
export function isRtl(locale: string): boolean {
  return RTL.has(locale.toLowerCase().split('-')[0] ?? '');
}

/** The language in use (a BCP 47 tag). */
export function locale(): string {
  return current;
}

/** Chooses the language from the browser's preferences and loads it. */
export async function startI18n(requested: readonly string[] = navigator.languages): Promise<void> {
  const [chosen = FALLBACK] = negotiateLanguages([...requested], available(), {
    defaultLocale: FALLBACK,
    strategy: 'lookup',
  });
  const english_ = bundleFor(FALLBACK, english);
  bundles = [english_];
  current = FALLBACK;
  if (chosen !== FALLBACK) {
    const load = others[`./locales/${chosen}/deskmate.ftl`];
    const loadAdmin = othersAdmin[`./locales/${chosen}/admin.ftl`];
    if (load) {
      try {
        const [main, admin] = await Promise.all([load(), loadAdmin ? loadAdmin() : Promise.resolve('')]);
        bundles = [bundleFor(chosen, `${main}\n${admin}`), english_];
        current = chosen;
      } catch (error) {
        console.warn(`could not load the ${chosen} strings; using English`, error);
      }
    }
  }
  document.documentElement.lang = current;
  document.documentElement.dir = isRtl(current) ? 'rtl' : 'ltr';
}

/** The string `id`, formatted with `args`; the id itself if it is missing. */
export function t(id: string, args?: Record<string, FluentVariable>): string {
  for (const bundle of bundles) {
    const message = bundle.getMessage(id);
    if (message?.value) return bundle.formatPattern(message.value, args);
  }
  console.warn(`missing string: ${id}`);
  return id;
}

/** An attribute of message `id` (`id.attr` in Fluent), or undefined. */
export function tAttr(id: string, attr: string, args?: Record<string, FluentVariable>): string | undefined {
  for (const bundle of bundles) {
    const pattern = bundle.getMessage(id)?.attributes[attr];
    if (pattern) return bundle.formatPattern(pattern, args);
  }
  return undefined;
}

/**
 * Translates `root` and everything in it: an element with
 * `data-l10n-id="x"` gets the value of message x as its text (when the
 * message has one) and its attributes (aria-label, placeholder, …).
 */
export function translate(root: ParentNode = document): void {
  const elements = root.querySelectorAll<HTMLElement>('[data-l10n-id]');
  const all = root instanceof HTMLElement && root.dataset['l10nId'] ? [root, ...elements] : [...elements];
  for (const element of all) {
    const id = element.dataset['l10nId'];
    if (!id) continue;
    const bundle = bundles.find((b) => b.hasMessage(id));
    const message = bundle?.getMessage(id);
    if (!bundle || !message) {
      console.warn(`missing string: ${id}`);
      continue;
    }
    if (message.value) element.textContent = bundle.formatPattern(message.value);
    for (const [name, pattern] of Object.entries(message.attributes)) {
      if (ATTRIBUTES.has(name)) element.setAttribute(name, bundle.formatPattern(pattern));
    }
  }
}

/** Time of day in the chosen language, e.g. "14:05". */
export function formatTime(at: Date): string {
  return new Intl.DateTimeFormat(current, { hour: 'numeric', minute: '2-digit' }).format(at);
}
