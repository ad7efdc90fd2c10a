/**
 * Display formats of the back office, in the page's language (i18n/): amounts stay decimal text
 * (formatted by Intl from the string, never through a float), dates dd/mm/yyyy.
 */
import { D } from '../../sync/money.ts';
import { formatAmount, formatDate, formatNumber } from '../../sync/i18n.js';
import { t, uiLang } from './i18n/index.ts';

/** "1234.5" → fr "1 234,50 €", en "€1,234.50". */
export function amount(text: string | null | undefined, decimals = 2): string {
  return formatAmount(text, uiLang(), { decimals });
}

/** A plain number or rate ("5.5" → fr "5,5"). */
export function num(text: string | number | null | undefined): string {
  return text === null || text === undefined || text === '' ? '' : formatNumber(text, uiLang());
}

export function isZero(text: string | null | undefined): boolean {
  return !text || new D(text).isZero();
}

/** ISO time → "05/03/2024 14:02" in the server's local time; empty stays empty. */
export function when(iso: string | null | undefined): string {
  return formatDate(iso, uiLang(), { time: true });
}

/** A business day "2024-03-05" → "05/03/2024". */
export function day(iso: string | null | undefined): string {
  return formatDate(iso, uiLang());
}

/** "il y a 3 h", "3 h ago": how stale a till's last contact is. */
export function ago(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return t('ago.never');
  const s = Math.max(0, (now.getTime() - Date.parse(iso)) / 1000);
  if (s < 90) return t('ago.now');
  if (s < 5400) return t('ago.minutes', { n: Math.round(s / 60) });
  if (s < 172800) return t('ago.hours', { n: Math.round(s / 3600) });
  return t('ago.days', { n: Math.round(s / 86400) });
}
