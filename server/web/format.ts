/** Display formats of the back office: amounts stay decimal text (never floats), dates short. */
import { D } from '../../sync/money.ts';

/** 1234.5 → "1 234.50" (narrow no-break space for thousands, dot decimals as in the exports). */
export function amount(text: string | null | undefined, decimals = 2): string {
  if (text === null || text === undefined || text === '') return '';
  const d = new D(text);
  const [int, frac] = d.abs().toFixed(decimals).split('.');
  return `${d.isNeg() ? '-' : ''}${int.replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f')}${frac ? `.${frac}` : ''}`;
}

export function isZero(text: string | null | undefined): boolean {
  return !text || new D(text).isZero();
}

/** ISO → "2024-03-05 14:02" in the server's local time; empty stays empty. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** "3 h ago", "2 d ago": how stale a till's last contact is. */
export function ago(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return 'never';
  const s = Math.max(0, (now.getTime() - Date.parse(iso)) / 1000);
  if (s < 90) return 'just now';
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}
