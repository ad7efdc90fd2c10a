/**
 * Reading the values of outside files (pure). Accounting software, banks and marketplaces write
 * amounts and dates as people read them: "1 234,56", "1.234,56", "-12.5", "12/03/2026",
 * "2026-03-12", an Excel serial 46093. Each reader returns null on what it cannot read exactly,
 * never a guess; the caller turns null into a verdict naming the line.
 */
import { D, type Dec } from '../../sync/money.ts';
import { decodeText, splitCsvLine } from '../accounting/accounts-import.ts';

/**
 * An amount: optional sign, thousands separated by space/nbsp/apostrophe or by the separator the
 * decimal mark is not; decimal mark "," or ".". "1.234" is ambiguous and read as 1234 only when
 * the group is exactly 3 digits AND another group precedes it ("1.234.567"); else as 1.234.
 */
export function readAmount(raw: unknown): Dec | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? new D(String(raw)) : null;
  if (typeof raw !== 'string') return null;
  let s = raw.replace(/[\s\u00a0\u202f'€]|EUR/g, '');
  if (!s) return null;
  let neg = false;
  if (s.startsWith('(') && s.endsWith(')')) {
    neg = true;
    s = s.slice(1, -1);
  }
  if (s.startsWith('-')) {
    neg = !neg;
    s = s.slice(1);
  } else if (s.endsWith('-')) {
    neg = !neg;
    s = s.slice(0, -1);
  } else if (s.startsWith('+')) s = s.slice(1);
  const comma = s.lastIndexOf(',');
  const dot = s.lastIndexOf('.');
  let intPart: string;
  let frac = '';
  if (comma >= 0 && dot >= 0) {
    const mark = comma > dot ? ',' : '.';
    const group = mark === ',' ? '.' : ',';
    const [a, b] = [s.slice(0, s.lastIndexOf(mark)), s.slice(s.lastIndexOf(mark) + 1)];
    if (!/^\d{1,3}([.,]\d{3})*$/.test(a) || a.includes(mark)) return null;
    intPart = a.split(group).join('');
    frac = b;
  } else if (comma >= 0 || dot >= 0) {
    const mark = comma >= 0 ? ',' : '.';
    const parts = s.split(mark);
    if (parts.length > 2) {
      if (!parts.slice(1).every((p) => p.length === 3)) return null;
      intPart = parts.join('');
    } else {
      intPart = parts[0];
      frac = parts[1];
    }
  } else intPart = s;
  if (!/^\d+$/.test(intPart) || !/^\d*$/.test(frac)) return null;
  const v = new D(`${intPart}${frac ? `.${frac}` : ''}`);
  return neg ? v.neg() : v;
}

/** Excel's day 0 is 1899-12-30 (its 1900 leap-year bug included): serial 46000 → 2025-12-09. */
export function excelSerialDate(serial: number): string | null {
  if (!Number.isFinite(serial) || serial < 1 || serial > 2958465) return null;
  const ms = Date.UTC(1899, 11, 30) + Math.floor(serial) * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

function validDay(y: number, m: number, d: number): string | null {
  const t = new Date(Date.UTC(y, m - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== m - 1 || t.getUTCDate() !== d) return null;
  return t.toISOString().slice(0, 10);
}

/** A day: YYYY-MM-DD[…], DD/MM/YYYY (French order), DD.MM.YYYY, DD-MM-YYYY, DD/MM/YY, an Excel serial or a Date. */
export function readDate(raw: unknown): string | null {
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? null : raw.toISOString().slice(0, 10);
  if (typeof raw === 'number') return excelSerialDate(raw);
  if (typeof raw !== 'string') return null;
  const s = raw.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/.exec(s);
  if (m) return validDay(+m[1], +m[2], +m[3]);
  m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?:\s.*)?$/.exec(s);
  if (m) return validDay(m[3].length === 2 ? 2000 + +m[3] : +m[3], +m[2], +m[1]);
  if (/^\d{5}(\.\d+)?$/.test(s)) return excelSerialDate(Number(s));
  return null;
}

/** Header cell → comparable key: lower case, no accents, no punctuation ("N° facture" → "n facture"). */
export function headerKey(h: string): string {
  return h
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

export interface CsvTable {
  header: string[];
  /** Data rows with their 1-based line number in the file. */
  rows: { line: number; cells: string[] }[];
}

/** A CSV as exported by accounting software: UTF-8 or Latin-1, separator ; tab or , (guessed from the header). */
export function readCsv(bytes: Buffer): CsvTable {
  const lines = decodeText(bytes).split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0) return { header: [], rows: [] };
  const counts = [';', '\t', ','].map((s) => [s, lines[first].split(s).length - 1] as const).sort((a, b) => b[1] - a[1]);
  const sep = counts[0][1] > 0 ? counts[0][0] : ';';
  const header = splitCsvLine(lines[first], sep);
  const rows: CsvTable['rows'] = [];
  for (let i = first + 1; i < lines.length; i++) if (lines[i].trim() !== '') rows.push({ line: i + 1, cells: splitCsvLine(lines[i], sep) });
  return { header, rows };
}

/** Finds each wanted field's column among the header's cells by its accepted names (already headerKey'd). */
export function locateColumns<F extends string>(header: string[], names: Record<F, string[]>): { columns: Partial<Record<F, number>>; unknown: string[] } {
  const keys = header.map(headerKey);
  const columns: Partial<Record<F, number>> = {};
  const used = new Set<number>();
  for (const field of Object.keys(names) as F[]) {
    const i = keys.findIndex((k, idx) => !used.has(idx) && names[field].includes(k));
    if (i >= 0) {
      columns[field] = i;
      used.add(i);
    }
  }
  return { columns, unknown: header.filter((_, i) => !used.has(i) && header[i].trim() !== '') };
}
