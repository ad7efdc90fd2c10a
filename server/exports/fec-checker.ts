/**
 * Validates an FEC file the way the administration's test tool does, as far as the file alone
 * allows: the 18 A47 A-1 fields in order, one separator, AAAAMMJJ dates, amounts with a decimal
 * comma, every entry (JournalCode + EcritureNum) balanced, EcritureNum without breaks (over the
 * file or inside each journal), EcritureLet with DateLet, CompAuxNum with CompAuxLib, ValidDate ≥
 * EcritureDate, validation order. Used by every test that produces an FEC.
 */
import { D, type Dec } from '../../sync/money.ts';
import { FEC_FIELDS, type FecNumbering } from './fec-writer.ts';

export interface FecCheckResult {
  ok: boolean;
  errors: string[];
  separator: '\t' | '|' | null;
  /** Which numbering the file follows, when it follows one. */
  numbering: FecNumbering | null;
  entryCount: number;
  lineCount: number;
  totalDebit: string;
  totalCredit: string;
  /** Records as field maps, for tests that look at values. */
  records: Record<(typeof FEC_FIELDS)[number], string>[];
}

const AMOUNT = /^-?\d+(,\d{1,2})?$/;

function validDate(s: string): boolean {
  if (!/^\d{8}$/.test(s)) return false;
  const y = Number(s.slice(0, 4));
  const m = Number(s.slice(4, 6));
  const d = Number(s.slice(6, 8));
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

const toDec = (s: string): Dec => new D(s.replace(',', '.'));

function contiguous(nums: number[]): boolean {
  return nums.every((n, i) => n === i + 1);
}

export function checkFec(content: string, opts: { maxErrors?: number } = {}): FecCheckResult {
  const maxErrors = opts.maxErrors ?? 50;
  const errors: string[] = [];
  const err = (msg: string) => {
    if (errors.length < maxErrors) errors.push(msg);
    else if (errors.length === maxErrors) errors.push('… more errors left out');
  };
  const text = content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
  const rows = text.split(/\r\n|\n|\r/);
  if (rows.length && rows[rows.length - 1] === '') rows.pop();
  const result: FecCheckResult = { ok: false, errors, separator: null, numbering: null, entryCount: 0, lineCount: 0, totalDebit: '0.00', totalCredit: '0.00', records: [] };
  if (!rows.length) {
    err('empty file: no header line');
    return result;
  }
  const header = rows[0];
  const sep = header.includes('\t') ? '\t' : header.includes('|') ? '|' : null;
  if (!sep) {
    err('line 1: no tab nor | separator in the header');
    return result;
  }
  if (sep === '\t' && header.includes('|')) err('line 1: both tab and | appear: the separator must be unique');
  result.separator = sep;
  const names = header.split(sep);
  if (names.length !== 18 || names.some((n, i) => n !== FEC_FIELDS[i])) err(`line 1: header must be the 18 fields ${FEC_FIELDS.join(',')} in order, found ${names.join(',')}`);

  type EntryAcc = { journal: string; num: number; debit: Dec; credit: Dec; firstLine: number; date: string; valid: string };
  const entries = new Map<string, EntryAcc>();
  const order: EntryAcc[] = [];
  let current: EntryAcc | null = null;
  let totalDebit = new D(0);
  let totalCredit = new D(0);

  for (let i = 1; i < rows.length; i++) {
    const n = i + 1;
    const f = rows[i].split(sep);
    if (f.length !== 18) {
      err(`line ${n}: ${f.length} fields instead of 18`);
      continue;
    }
    const rec = Object.fromEntries(FEC_FIELDS.map((k, j) => [k, f[j]])) as FecCheckResult['records'][number];
    result.records.push(rec);
    result.lineCount++;
    for (const k of ['JournalCode', 'JournalLib', 'EcritureNum', 'EcritureDate', 'CompteNum', 'CompteLib', 'PieceRef', 'PieceDate', 'EcritureLib', 'ValidDate'] as const) {
      if (!rec[k].trim()) err(`line ${n}: ${k} is empty`);
    }
    for (const k of ['EcritureDate', 'PieceDate', 'ValidDate'] as const) if (rec[k] && !validDate(rec[k])) err(`line ${n}: ${k} "${rec[k]}" is not a date AAAAMMJJ`);
    if (rec.DateLet && !validDate(rec.DateLet)) err(`line ${n}: DateLet "${rec.DateLet}" is not a date AAAAMMJJ`);
    let debit = new D(0);
    let credit = new D(0);
    for (const k of ['Debit', 'Credit'] as const) {
      if (!AMOUNT.test(rec[k])) err(`line ${n}: ${k} "${rec[k]}" is not an amount with a decimal comma and no thousands separator`);
      else if (k === 'Debit') debit = toDec(rec[k]);
      else credit = toDec(rec[k]);
    }
    if (rec.Montantdevise && !AMOUNT.test(rec.Montantdevise)) err(`line ${n}: Montantdevise "${rec.Montantdevise}" is not an amount`);
    if (Boolean(rec.Montantdevise) !== Boolean(rec.Idevise)) err(`line ${n}: Montantdevise and Idevise go together`);
    if (Boolean(rec.EcritureLet) !== Boolean(rec.DateLet)) err(`line ${n}: EcritureLet "${rec.EcritureLet}" without DateLet "${rec.DateLet}" (they go together)`);
    if (rec.CompAuxNum && !rec.CompAuxLib) err(`line ${n}: CompAuxNum ${rec.CompAuxNum} without CompAuxLib`);
    if (!rec.CompAuxNum && rec.CompAuxLib) err(`line ${n}: CompAuxLib without CompAuxNum`);
    if (validDate(rec.ValidDate) && validDate(rec.EcritureDate) && rec.ValidDate < rec.EcritureDate) err(`line ${n}: ValidDate ${rec.ValidDate} is before EcritureDate ${rec.EcritureDate}`);
    if (!/^\d+$/.test(rec.EcritureNum)) {
      err(`line ${n}: EcritureNum "${rec.EcritureNum}" is not a number`);
      continue;
    }
    totalDebit = totalDebit.plus(debit);
    totalCredit = totalCredit.plus(credit);
    const key = `${rec.JournalCode}\u0000${rec.EcritureNum}`;
    let acc = entries.get(key);
    if (acc && acc !== current) err(`line ${n}: entry ${rec.JournalCode} ${rec.EcritureNum} is split: its lines must follow each other`);
    if (!acc) {
      acc = { journal: rec.JournalCode, num: Number(rec.EcritureNum), debit: new D(0), credit: new D(0), firstLine: n, date: rec.EcritureDate, valid: rec.ValidDate };
      entries.set(key, acc);
      order.push(acc);
    } else {
      if (rec.EcritureDate !== acc.date) err(`line ${n}: entry ${rec.JournalCode} ${rec.EcritureNum} has two dates (${acc.date}, ${rec.EcritureDate})`);
      if (rec.ValidDate !== acc.valid) err(`line ${n}: entry ${rec.JournalCode} ${rec.EcritureNum} has two validation dates`);
    }
    current = acc;
    acc.debit = acc.debit.plus(debit);
    acc.credit = acc.credit.plus(credit);
  }

  for (const e of order) {
    if (!e.debit.equals(e.credit)) err(`entry ${e.journal} ${e.num} (line ${e.firstLine}) is not balanced: debit ${e.debit.toFixed(2)} ≠ credit ${e.credit.toFixed(2)}`);
  }
  for (let i = 1; i < order.length; i++) {
    if (order[i].valid < order[i - 1].valid) err(`entry ${order[i].journal} ${order[i].num} (line ${order[i].firstLine}) is out of validation order (ValidDate ${order[i].valid} after ${order[i - 1].valid})`);
  }
  const fileNums = order.map((e) => e.num);
  if (contiguous(fileNums)) result.numbering = 'file';
  else {
    const byJournal = new Map<string, number[]>();
    for (const e of order) byJournal.set(e.journal, [...(byJournal.get(e.journal) ?? []), e.num]);
    if ([...byJournal.values()].every(contiguous)) result.numbering = 'journal';
    else {
      const broken = [...byJournal.entries()].filter(([, nums]) => !contiguous(nums)).map(([j, nums]) => `${j}: ${nums.slice(0, 8).join(',')}${nums.length > 8 ? ',…' : ''}`);
      err(`EcritureNum has breaks (neither 1..N over the file nor inside each journal): ${broken.join('; ')}`);
    }
  }
  result.entryCount = order.length;
  result.totalDebit = totalDebit.toFixed(2);
  result.totalCredit = totalCredit.toFixed(2);
  result.ok = errors.length === 0;
  return result;
}
