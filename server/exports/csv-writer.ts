/**
 * A spreadsheet view of the books: one row per entry line, UTF-8 with a BOM (so Excel reads the
 * accents), `;` between fields, decimal point by default or decimal comma as an option (French
 * Excel), fields quoted when they hold a separator, a quote or a line break (RFC 4180 quoting).
 */
import { D, fmt } from '../../sync/money.ts';
import type { LedgerEntry } from './ledger-model.ts';

export const CSV_BOM = '\ufeff';

export const CSV_COLUMNS = [
  'EntryId', 'Journal', 'JournalLib', 'Date', 'Piece', 'PieceDate', 'Account', 'AccountLib', 'AuxAccount', 'AuxLib',
  'Label', 'Debit', 'Credit', 'VatCode', 'Document', 'Lettering', 'LetteringDate', 'ValidatedAt',
] as const;

export interface CsvOptions {
  decimalComma?: boolean;
  separator?: string;
}

export function csvField(value: string, sep = ';'): string {
  let v = value;
  // A text cell starting with = + @ is run as a formula by spreadsheets: keep it text.
  if (/^[=+@]/.test(v)) v = `'${v}`;
  if (v.includes(sep) || v.includes('"') || /[\r\n]/.test(v) || /^\s|\s$/.test(v)) return `"${v.replace(/"/g, '""')}"`;
  return v;
}

export class CsvWriter {
  private readonly sep: string;
  private readonly comma: boolean;
  lineCount = 0;
  entryCount = 0;

  constructor(opts: CsvOptions = {}) {
    this.sep = opts.separator ?? ';';
    this.comma = Boolean(opts.decimalComma);
    if (this.comma && this.sep === ',') throw new Error('a decimal comma needs another separator than ","');
  }

  private amount(text: string): string {
    const s = fmt(new D(text || '0'));
    return this.comma ? s.replace('.', ',') : s;
  }

  header(): string {
    return CSV_BOM + CSV_COLUMNS.join(this.sep) + '\r\n';
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
      out += cells.map((c, i) => (i === 11 || i === 12 ? c : csvField(c, this.sep))).join(this.sep) + '\r\n';
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
