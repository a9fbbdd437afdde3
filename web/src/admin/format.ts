// Numbers, times and lengths of time in the chosen language (Intl), and
// the conversions between date inputs (local days) and the API's RFC 3339.
import { locale, t } from '../i18n';

export function formatNumber(n: number): string {
  return new Intl.NumberFormat(locale()).format(n);
}

/** "31 Jan 2026, 14:05" from RFC 3339; "" for null. */
export function formatDateTime(rfc3339: string | null): string {
  if (!rfc3339) return '';
  const at = new Date(rfc3339);
  if (Number.isNaN(at.getTime())) return rfc3339;
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(at);
}

/** "31 Jan" from `YYYY-MM-DD` (a UTC day). */
export function formatDay(date: string, withYear = false): string {
  const at = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(at.getTime())) return date;
  return new Intl.DateTimeFormat(locale(), {
    day: 'numeric',
    month: 'short',
    ...(withYear ? { year: 'numeric' } : {}),
    timeZone: 'UTC',
  }).format(at);
}

/** "1 h 05 min", "4 min 10 s", "12 s". */
export function formatDuration(secs: number | null): string {
  if (secs === null || secs < 0) return '';
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = secs % 60;
  if (h > 0) return t('admin-duration-hours', { h, m: String(m).padStart(2, '0') });
  if (m > 0) return t('admin-duration-minutes', { m, s: String(s).padStart(2, '0') });
  return t('admin-duration-seconds', { s });
}

/** RFC 3339 of the start of a local day given as `YYYY-MM-DD` (+ `addDays`); "" if none. */
export function dayStart(date: string, addDays = 0): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return '';
  const at = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + addDays);
  return at.toISOString();
}

/**
 * Text without Fluent's Unicode isolation marks (FSI U+2068, PDI U+2069),
 * for a value put into an input: the marks belong around names shown in
 * sentences, never in data a person edits and saves.
 */
export function plain(text: string): string {
  return text.replace(/[\u2068\u2069]/g, '');
}
