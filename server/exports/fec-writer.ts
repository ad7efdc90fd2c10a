/**
 * FEC — fichier des écritures comptables, article A47 A-1 of the Livre des procédures fiscales
 * (structure described in BOI-CF-IOR-60-40-20): a flat file, one record per entry line, the 18
 * fields below in this order, a unique field separator (tab or |), dates AAAAMMJJ, amounts with a
 * decimal comma and no thousands separator, entries in validation order, EcritureNum the number
 * each entry got at validation (continuous over time, BOI-CF-IOR-60-40-20 §100). The legal file is
 * one per financial year, named with its closing date (export-run.ts, opening-entry.ts).
 * Pure: LedgerEntry in, text out; the caller encodes and writes.
 */
import { D, fmt } from '../../sync/money.ts';
import type { LedgerEntry } from './ledger-model.ts';

export const FEC_FIELDS = [
  'JournalCode', 'JournalLib', 'EcritureNum', 'EcritureDate', 'CompteNum', 'CompteLib', 'CompAuxNum', 'CompAuxLib', 'PieceRef',
  'PieceDate', 'EcritureLib', 'Debit', 'Credit', 'EcritureLet', 'DateLet', 'ValidDate', 'Montantdevise', 'Idevise',
] as const;

export type FecSeparator = '\t' | '|';
/** EcritureNum runs 1, 2, 3… over the whole file, or separately inside each journal. */
export type FecNumbering = 'file' | 'journal';

export interface FecOptions {
  separator?: FecSeparator;
  numbering?: FecNumbering;
  /** Record separator; A47 A-1 allows CR and/or LF. CRLF reads everywhere (Windows tools included). */
  eol?: '\r\n' | '\n';
}

export function fecSeparator(name: string | undefined): FecSeparator {
  if (name === undefined || name === 'tab' || name === '\t') return '\t';
  if (name === 'pipe' || name === '|') return '|';
  throw new Error(`unknown FEC separator "${name}" (use tab or pipe)`);
}

function sirenOf(siren: string): string {
  const s = siren.replace(/\s+/g, '');
  if (!/^\d{9}$/.test(s)) throw new Error(`company SIREN "${siren}" is not 9 digits`);
  return s;
}

/** The legal file of a financial year (A47 A-1): `<SIREN>FEC<AAAAMMJJ>.txt`, AAAAMMJJ its closing date. */
export function fecFileName(siren: string, closingDate: string): string {
  return `${sirenOf(siren)}FEC${fecDate(closingDate)}.txt`;
}

/** A day or period extract: named so that it is never taken for the legal yearly file. */
export function fecExtractName(siren: string, from: string, to: string): string {
  return `${sirenOf(siren)}FEC-extrait-${from === to ? fecDate(from) : `${fecDate(from)}-${fecDate(to)}`}.txt`;
}

/** YYYY-MM-DD or an ISO timestamp → AAAAMMJJ. */
export function fecDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) throw new Error(`"${iso}" is not a date`);
  return `${m[1]}${m[2]}${m[3]}`;
}

/** Decimal text → "1234,50": decimal comma, no thousands separator, always 2 decimals. */
export function fecAmount(text: string): string {
  // Amounts are stored as canonical decimal text ("483.60"): only odd ones need decimal.js.
  if (/^-?\d+\.\d\d$/.test(text) && !/^-0\.00$/.test(text)) return text.replace('.', ',');
  return fmt(new D(text || '0')).replace('.', ',');
}

/** A field never contains the separator nor a line break (both would shift every column after it). */
export function fecField(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  return value.replace(/[\t|\r\n\u0000-\u001f\u007f]+/g, ' ').replace(/\s{2,}/g, ' ').trim();
}

export class FecWriter {
  readonly separator: FecSeparator;
  readonly numbering: FecNumbering;
  private readonly eol: string;
  private fileSeq = 0;
  private readonly journalSeq = new Map<string, number>();
  lineCount = 0;
  entryCount = 0;

  constructor(opts: FecOptions = {}) {
    this.separator = opts.separator ?? '\t';
    this.numbering = opts.numbering ?? 'file';
    this.eol = opts.eol ?? '\r\n';
  }

  header(): string {
    return FEC_FIELDS.join(this.separator) + this.eol;
  }

  /**
   * The entry's records. Entries come in validation order. EcritureNum is the number the entry got
   * at validation (the same in every export); entries without one (literal ledgers) are counted.
   */
  entry(e: LedgerEntry): string {
    let num: number | string;
    if (e.fecNumText) num = e.fecNumText;
    else if (this.numbering === 'journal') {
      num = e.fecJournalNum ?? (this.journalSeq.get(e.journal) ?? 0) + 1;
      this.journalSeq.set(e.journal, num);
    } else {
      num = e.fecNum ?? this.fileSeq + 1;
      this.fileSeq = num;
    }
    this.entryCount++;
    const common = {
      journal: fecField(e.journal),
      journalLabel: fecField(e.journalLabel) || fecField(e.journal),
      date: fecDate(e.date),
      piece: fecField(e.piece),
      pieceDate: fecDate(e.pieceDate || e.date),
      valid: fecDate(e.validatedAt),
    };
    let out = '';
    for (const l of e.lines) {
      const aux = fecField(l.auxAccount);
      const letter = fecField(l.letterCode);
      const fields = [
        common.journal,
        common.journalLabel,
        String(num),
        common.date,
        fecField(l.account),
        fecField(l.accountLabel) || fecField(l.account),
        aux,
        aux ? fecField(l.auxLabel) || aux : '',
        common.piece,
        common.pieceDate,
        fecField(l.label) || fecField(e.label) || common.piece,
        fecAmount(l.debit),
        fecAmount(l.credit),
        letter,
        letter && l.letterDate ? fecDate(l.letterDate) : '',
        common.valid,
        '',
        '',
      ];
      out += fields.join(this.separator) + this.eol;
      this.lineCount++;
    }
    return out;
  }
}

/** The whole file as text, for small ledgers and tests (the export streams FecWriter instead). */
export function writeFec(entries: Iterable<LedgerEntry>, opts: FecOptions = {}): string {
  const w = new FecWriter(opts);
  let text = w.header();
  for (const e of entries) text += w.entry(e);
  return text;
}
