/**
 * Checks an FEC file against LPF article A47 A-1 (and its commentary BOI-CF-IOR-60-40-20), as far
 * as the file alone allows. Our own reading of the text, rule by rule (docs/exports.md lists them):
 *  - A47 A-1 I: the first line names the 18 fields, in the order of the article; one field
 *    separator, tab or |; 18 fields on every record;
 *  - the mandatory fields are filled (JournalCode … ValidDate; CompAux*, EcritureLet/DateLet and
 *    Montantdevise/Idevise go in pairs or not at all);
 *  - dates AAAAMMJJ; amounts with a decimal comma, no thousands separator; a line is a debit or a
 *    credit, not both;
 *  - CompteNum: its first three characters are digits (French chart of accounts, PCG);
 *  - each entry (JournalCode + EcritureNum) balances, its lines follow each other, one date;
 *  - records in the chronological order of validation (ValidDate never goes back), ValidDate not
 *    before EcritureDate;
 *  - EcritureNum: "numéro sur une séquence continue" — the numbers advance by one without a break
 *    in file order, over the file or inside each journal (BOI-CF-IOR-60-40-20 §100: continuous over
 *    time, so a year's file need not start at 1); an alphabetic prefix (AN1 for the opening entry)
 *    is a sequence of its own;
 *  - one label per code: a JournalCode, CompteNum or CompAuxNum always with the same label;
 *  - with `fiscalYear`: every EcritureDate in the year, and the opening entries (A47 A-1: the file
 *    of a year starts with the previous year's balances carried forward) dated its first day;
 *  - checkFecFileName: SIRENFECAAAAMMJJ, AAAAMMJJ the closing date of the year.
 * Used by every test that produces an FEC.
 */
import { D, type Dec } from '../../sync/money.ts';
import { FEC_FIELDS, type FecNumbering } from '../../server/exports/fec-writer.ts';

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

/** EcritureNum as prefix + number: "57" → ("", 57), "AN1" → ("AN", 1); null when it has no number. */
function splitNum(num: string): { prefix: string; n: number } | null {
  const m = /^([^\d]*)(\d+)$/.exec(num);
  return m ? { prefix: m[1], n: Number(m[2]) } : null;
}

/** Every number is the previous one plus one (the first may be anything: numbering runs over time). */
function continuous(nums: number[]): boolean {
  return nums.every((n, i) => i === 0 || n === nums[i - 1] + 1);
}

/** Breaks per group, for the error message; empty when every group is continuous. */
function breaksOf(groups: Map<string, number[]>): string[] {
  return [...groups.entries()].filter(([, nums]) => !continuous(nums)).map(([g, nums]) => `${g || 'file'}: ${nums.slice(0, 8).join(',')}${nums.length > 8 ? ',…' : ''}`);
}

export interface FecCheckOptions {
  maxErrors?: number;
  /** The financial year the file covers (YYYY-MM-DD): dates inside it, opening entries on its first day. */
  fiscalYear?: { start: string; end: string };
  /** Journal code of the opening entries (default AN). */
  openingJournal?: string;
  /** The file must open with the opening entries (a year after the first one). */
  requireOpening?: boolean;
}

/** A47 A-1's name of the yearly file: SIREN (9 digits) + FEC + closing date AAAAMMJJ. */
export function checkFecFileName(name: string, closingDate?: string): string[] {
  const base = name.replace(/^.*[\\/]/, '');
  const m = /^(\d{9})FEC(\d{8})(\.[A-Za-z0-9]+)?$/.exec(base);
  if (!m) return [`file name "${base}" is not SIRENFECAAAAMMJJ (9-digit SIREN, FEC, closing date)`];
  if (!validDate(m[2])) return [`file name "${base}": ${m[2]} is not a date AAAAMMJJ`];
  if (closingDate && m[2] !== closingDate.replace(/-/g, '')) return [`file name "${base}" carries ${m[2]}, not the closing date of the year ${closingDate.replace(/-/g, '')}`];
  return [];
}

export function checkFec(content: string, opts: FecCheckOptions = {}): FecCheckResult {
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

  type EntryAcc = { journal: string; num: string; debit: Dec; credit: Dec; firstLine: number; date: string; valid: string };
  const labels = { JournalCode: new Map<string, string>(), CompteNum: new Map<string, string>(), CompAuxNum: new Map<string, string>() };
  const sameLabel = (n: number, kind: keyof typeof labels, code: string, label: string, what: string) => {
    if (!code) return;
    const known = labels[kind].get(code);
    if (known === undefined) labels[kind].set(code, label);
    else if (known !== label) err(`line ${n}: ${kind} ${code} has two ${what} ("${known}", "${label}"): one code, one label`);
  };
  const fy = opts.fiscalYear ? { start: opts.fiscalYear.start.replace(/-/g, ''), end: opts.fiscalYear.end.replace(/-/g, '') } : null;
  const openingJournal = opts.openingJournal ?? 'AN';
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
    if (!debit.isZero() && !credit.isZero()) err(`line ${n}: a line is a debit or a credit, not both (Debit ${rec.Debit}, Credit ${rec.Credit})`);
    if (rec.CompteNum && !/^\d{3}/.test(rec.CompteNum)) err(`line ${n}: CompteNum "${rec.CompteNum}" does not start with three digits of the French chart of accounts`);
    sameLabel(n, 'JournalCode', rec.JournalCode, rec.JournalLib, 'JournalLib');
    sameLabel(n, 'CompteNum', rec.CompteNum, rec.CompteLib, 'CompteLib');
    sameLabel(n, 'CompAuxNum', rec.CompAuxNum, rec.CompAuxLib, 'CompAuxLib');
    if (fy && validDate(rec.EcritureDate)) {
      if (rec.EcritureDate < fy.start || rec.EcritureDate > fy.end) err(`line ${n}: EcritureDate ${rec.EcritureDate} is outside the financial year ${fy.start}-${fy.end}`);
      if (rec.JournalCode === openingJournal && rec.EcritureDate !== fy.start) err(`line ${n}: opening entry dated ${rec.EcritureDate}, not the first day of the year ${fy.start}`);
    }
    if (rec.Montantdevise && !AMOUNT.test(rec.Montantdevise)) err(`line ${n}: Montantdevise "${rec.Montantdevise}" is not an amount`);
    if (Boolean(rec.Montantdevise) !== Boolean(rec.Idevise)) err(`line ${n}: Montantdevise and Idevise go together`);
    if (Boolean(rec.EcritureLet) !== Boolean(rec.DateLet)) err(`line ${n}: EcritureLet "${rec.EcritureLet}" without DateLet "${rec.DateLet}" (they go together)`);
    if (rec.CompAuxNum && !rec.CompAuxLib) err(`line ${n}: CompAuxNum ${rec.CompAuxNum} without CompAuxLib`);
    if (!rec.CompAuxNum && rec.CompAuxLib) err(`line ${n}: CompAuxLib without CompAuxNum`);
    if (validDate(rec.ValidDate) && validDate(rec.EcritureDate) && rec.ValidDate < rec.EcritureDate) err(`line ${n}: ValidDate ${rec.ValidDate} is before EcritureDate ${rec.EcritureDate}`);
    if (!splitNum(rec.EcritureNum)) {
      err(`line ${n}: EcritureNum "${rec.EcritureNum}" does not end with a sequence number`);
      continue;
    }
    totalDebit = totalDebit.plus(debit);
    totalCredit = totalCredit.plus(credit);
    const key = `${rec.JournalCode}\u0000${rec.EcritureNum}`;
    let acc = entries.get(key);
    if (acc && acc !== current) err(`line ${n}: entry ${rec.JournalCode} ${rec.EcritureNum} is split: its lines must follow each other`);
    if (!acc) {
      acc = { journal: rec.JournalCode, num: rec.EcritureNum, debit: new D(0), credit: new D(0), firstLine: n, date: rec.EcritureDate, valid: rec.ValidDate };
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
  // EcritureNum: continuous in file order, over the file or inside each journal; a prefix is its own sequence.
  const fileGroups = new Map<string, number[]>();
  const journalGroups = new Map<string, number[]>();
  for (const e of order) {
    const { prefix, n } = splitNum(e.num)!;
    fileGroups.set(prefix, [...(fileGroups.get(prefix) ?? []), n]);
    const jk = `${e.journal}${prefix ? ` ${prefix}` : ''}`;
    journalGroups.set(jk, [...(journalGroups.get(jk) ?? []), n]);
  }
  if (!breaksOf(fileGroups).length) result.numbering = 'file';
  else if (!breaksOf(journalGroups).length) result.numbering = 'journal';
  else err(`EcritureNum has breaks (the numbers must follow each other, over the file or inside each journal): ${breaksOf(journalGroups).join('; ')}`);
  if (opts.requireOpening && !order.some((e) => e.journal === openingJournal)) err(`no opening entry (journal ${openingJournal}): the file of a year carries the previous year's balances forward first (A47 A-1)`);
  if (order.length && order.some((e) => e.journal === openingJournal)) {
    const firstOther = order.findIndex((e) => e.journal !== openingJournal);
    const lastOpening = order.map((e) => e.journal).lastIndexOf(openingJournal);
    if (firstOther !== -1 && lastOpening > firstOther) err(`opening entries (journal ${openingJournal}) must come first in the file`);
  }
  result.entryCount = order.length;
  result.totalDebit = totalDebit.toFixed(2);
  result.totalCredit = totalCredit.toFixed(2);
  result.ok = errors.length === 0;
  return result;
}
