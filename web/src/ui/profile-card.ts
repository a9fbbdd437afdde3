// The card that shows who is on the other side (SPEC §3): picture or
// initials, name, job title, company, e-mail and the organisation's
// verified domain with a clear mark. Used on both pages.
import { t } from '../i18n';
import type { Profile } from '../types';
import { ICONS, h, icon, uid } from './dom';

/** "Ana Silva". */
export function fullName(person: { first_name: string; last_name: string }): string {
  return `${person.first_name} ${person.last_name}`.trim();
}

function initials(person: Profile): string {
  return [person.first_name, person.last_name]
    .map((part) => [...part.trim()][0] ?? '')
    .join('')
    .toLocaleUpperCase();
}

function avatar(person: Profile): HTMLElement {
  const fallback = h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials(person) || icon(ICONS.person));
  if (!person.picture_url) return fallback;
  const image = h('img', { class: 'avatar', src: person.picture_url, alt: '', width: 64, height: 64 });
  image.addEventListener('error', () => image.replaceWith(fallback));
  return image;
}

export interface CardOptions {
  /** The class naming the card for tests (`profile-card`, `helper-card`). */
  className: string;
  /** A short line above the name, e.g. "Person you are helping". */
  caption: string;
  /** Heading level of the name. */
  level?: 'h2' | 'h3';
}

export function profileCard(person: Profile, options: CardOptions): HTMLElement {
  const nameId = uid('person');
  const role = [person.job_title, person.company_name].filter((v): v is string => !!v).join(' · ');
  const domain = person.verified_domain
    ? h('p', { class: 'verified' }, icon(ICONS.verified), t('profile-verified', { domain: person.verified_domain }))
    : h('p', { class: 'unverified' }, t('profile-unverified'));
  return h('section', { class: `person-card ${options.className}`, 'aria-labelledby': nameId },
    avatar(person),
    h('div', { class: 'person-text' },
      h('p', { class: 'caption' }, options.caption),
      h(options.level ?? 'h3', { id: nameId, class: 'person-name' }, fullName(person)),
      role ? h('p', { class: 'person-role' }, role) : null,
      h('p', { class: 'person-email' }, person.email),
      domain,
    ),
  );
}
