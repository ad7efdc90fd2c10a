/**
 * A spreadsheet view of the books: one row per entry line, UTF-8 with a BOM (so Excel reads the
 * accents), `;` between fields, fields quoted when they hold a separator, a quote or a line break
 * (RFC 4180 quoting). Spreadsheet-safe:
 *  - a text cell starting with = + - @, a tab or a carriage return is neutralised with a leading
 *    apostrophe (CSV/formula injection, OWASP "CSV Injection"): spreadsheets would run it as a formula;
 *  - decimal comma for a French company (csvDefaults), decimal point otherwise or on request;
 *  - codesAsText (option): codes a spreadsheet would turn into numbers (0000002 → 2, 10001432 →
 *    1,00E+07) are written as the text formula ="0000002", which Excel and LibreOffice show as text.
 */
import { D, fmt } from '../../sync/money.ts';
import type { Company } from '../../sync/types.ts';
import type { LedgerEntry } from './ledger-model.ts';

export const CSV_BOM = '\ufeff';

export const CSV_COLUMNS = [
  'EntryId', 'Journal', 'JournalLib', 'Date', 'Piece', 'PieceDate', 'Account', 'AccountLib', 'AuxAccount', 'AuxLib',
  'Label', 'Debit', 'Credit', 'VatCode', 'Document', 'Lettering', 'LetteringDate', 'ValidatedAt',
] as const;

export interface CsvOptions {
  decimalComma?: boolean;
  separator?: string;
  /** Codes that look like numbers written as ="…" so that spreadsheets keep them as text. */
  codesAsText?: boolean;
  /** An export profile's analytic axis: one more column, Analytic (the line's section, or its sections with their parts). */
  analytic?: boolean;
}

/** The French profile: a company with a SIREN or a French VAT number reads its CSV in a French spreadsheet (decimal comma). */
export function csvDefaults(company: Pick<Company, 'siren' | 'vatNumber'>): { decimalComma: boolean } {
  const french = /^\d{9}$/.test((company.siren ?? '').replace(/\s+/g, '')) || /^FR/i.test(company.vatNumber ?? '');
  return { decimalComma: french };
}

/** Columns that hold codes (identifiers, never quantities). */
const CODE_COLUMNS = new Set<string>(['EntryId', 'Journal', 'Piece', 'Account', 'AuxAccount', 'VatCode', 'Document', 'Lettering']);

/** A cell a spreadsheet would read as a formula: = + - @ first, or a tab / CR first (some read past them). */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: string, sep = ';'): string {
  let v = value;
  if (FORMULA_START.test(v)) v = `'${v}`;
  if (v.includes(sep) || v.includes('"') || /[\r\n]/.test(v) || /^\s|\s$/.test(v)) return `"${v.replace(/"/g, '""')}"`;
  return v;
}

/** A code a spreadsheet would read as a number (leading zeros lost, long numbers in scientific notation). */
export function looksNumeric(code: string): boolean {
  return /^[+-]?\d+([.,]\d+)?([eE][+-]?\d+)?$/.test(code.trim());
}

/** ="0000002": a text formula Excel and LibreOffice show as the text 0000002, quoted for CSV. Only digits reach it. */
export function csvCodeAsText(code: string): string {
  return `"=""${code.replace(/"/g, '')}"""`;
}

export class CsvWriter {
  private readonly sep: string;
  private readonly comma: boolean;
  private readonly codesAsText: boolean;
  private readonly analytic: boolean;
  lineCount = 0;
  entryCount = 0;

  constructor(opts: CsvOptions = {}) {
    this.sep = opts.separator ?? ';';
    this.comma = Boolean(opts.decimalComma);
    this.codesAsText = Boolean(opts.codesAsText);
    this.analytic = Boolean(opts.analytic);
    if (this.comma && this.sep === ',') throw new Error('a decimal comma needs another separator than ","');
  }

  private amount(text: string): string {
    const s = fmt(new D(text || '0'));
    return this.comma ? s.replace('.', ',') : s;
  }

  private cell(value: string, column: number): string {
    if (column === 11 || column === 12) return value; // amounts: numbers on purpose
    if (this.codesAsText && value && CODE_COLUMNS.has(CSV_COLUMNS[column]) && looksNumeric(value)) return csvCodeAsText(value);
    return csvField(value, this.sep);
  }

  header(): string {
    return CSV_BOM + [...CSV_COLUMNS, ...(this.analytic ? ['Analytic'] : [])].join(this.sep) + '\r\n';
  }

  entry(e: LedgerEntry): string {
    this.entryCount++;
    let out = '';
    for (const l of e.lines) {
      this.lineCount++;
      const cells = [
        String(e.id), e.journal, e.journalLabel, e.date, e.piece, e.pieceDate, l.account, l.accountLabel, l.auxAccount ?? '', l.auxLabel ?? '',
        l.label, this.amount(l.debit), this.amount(l.credit), l.vatCode ?? '', l.documentNumber ?? '', l.letterCode ?? '', l.letterDate ?? '', e.validatedAt,
      ];
      const row = cells.map((c, i) => this.cell(c, i));
      // One section, or a line spread over several (an article axis): "EPICERIE:12.40|BOISSONS:3.10", the parts summing to the line.
      if (this.analytic) row.push(csvField(l.analyticParts?.length ? l.analyticParts.map((p) => `${p.section}:${this.amount(p.amount)}`).join('|') : l.analytic ?? '', this.sep));
      out += row.join(this.sep) + '\r\n';
    }
    return out;
  }
}

export function writeCsv(entries: Iterable<LedgerEntry>, opts: CsvOptions = {}): string {
  const w = new CsvWriter(opts);
  let text = w.header();
  for (const e of entries) text += w.entry(e);
  return text;
}

/** Parses what writeCsv wrote (RFC 4180 quoting): for tests and for anyone re-reading an export. */
export function parseCsv(text: string, sep = ';'): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === sep) {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      // handled by the \n
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
