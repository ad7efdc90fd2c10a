/**
 * The read-only view of the books every export writer takes: entries in validation order with
 * their lines, labels resolved and lettering attached. Writers never touch SQL, so they are
 * tested on literal ledgers and fed from SQL pages by ledger-reader.ts.
 */
import type { MoneyText } from '../../sync/money.ts';

export interface LedgerLine {
  account: string;
  accountLabel: string;
  /** Third-party account on customer lines (FEC CompAuxNum), null elsewhere. */
  auxAccount: string | null;
  auxLabel: string | null;
  label: string;
  /** Decimal text, "0.00" on the empty side. */
  debit: MoneyText;
  credit: MoneyText;
  vatCode: string | null;
  /** Invoice / document number the line refers to (Exact YourRef). */
  documentNumber: string | null;
  /** Lettering code (AAA…) and the day it was lettered (YYYY-MM-DD), both or neither. */
  letterCode: string | null;
  letterDate: string | null;
  /** Analytic section of the line, set by an export profile's axis (profiles/profile-view.ts); never in the FEC. */
  analytic?: string | null;
  /**
   * A line spread over several sections (an article-family axis: one revenue line, several
   * families): each section with its part of the line's amount (absolute, 2 decimals; the parts sum
   * to the line, less what no section takes: an article without the field and no default). `analytic` is then the largest part's section, for formats with one zone a line.
   */
  analyticParts?: { section: string; amount: MoneyText }[] | null;
}

export interface LedgerEntry {
  /** entries.id: validation order. */
  id: number;
  journal: string;
  journalLabel: string;
  /** sales | treasury (drives Exact transaction types and journal fallbacks). */
  kind: string;
  /** Accounting date YYYY-MM-DD. */
  date: string;
  piece: string;
  /** Date of the piece (invoice day) YYYY-MM-DD. */
  pieceDate: string;
  label: string;
  /** ISO timestamp of validation (FEC ValidDate). */
  validatedAt: string;
  lines: LedgerLine[];
  /**
   * FEC EcritureNum given at validation, over all entries and inside the journal (stored, the same
   * in every export). Absent on literal test ledgers: the FEC writer then counts 1, 2, 3…
   */
  fecNum?: number | null;
  fecJournalNum?: number | null;
  /** An EcritureNum outside the validation sequence: the opening entries of a yearly FEC (AN1…). */
  fecNumText?: string;
  /** A credit note's sales entry (set by an export profile's view, from the document behind the piece). */
  creditNote?: boolean;
}

/** A problem an export found in the books or the mapping, collected as data (never thrown mid-pass). */
export interface ExportProblem {
  /** Stable code: journal-unknown, account-unmapped, invoice-unnumbered, customer-no-address, line-no-account, vat-unmapped, … */
  code: string;
  message: string;
  /** Entries concerned (ids), a few at most, for the operator to look up. */
  entries: number[];
  /** How many lines hit this problem. */
  count: number;
}

/** Collects problems keyed by (code, subject) so one missing account is one problem, not 10,000. */
export class ProblemList {
  private readonly byKey = new Map<string, ExportProblem>();

  add(code: string, subject: string, message: string, entry: number | null): void {
    const key = `${code}\u0000${subject}`;
    const p = this.byKey.get(key);
    if (p) {
      p.count++;
      if (entry !== null && p.entries.length < 5 && !p.entries.includes(entry)) p.entries.push(entry);
      return;
    }
    this.byKey.set(key, { code, message, entries: entry === null ? [] : [entry], count: 1 });
  }

  get list(): ExportProblem[] {
    return [...this.byKey.values()];
  }

  get size(): number {
    return this.byKey.size;
  }
}

export function describeProblem(p: ExportProblem): string {
  const where = p.entries.length ? ` (entr${p.entries.length > 1 ? 'ies' : 'y'} ${p.entries.join(', ')}${p.count > p.entries.length ? ', …' : ''})` : '';
  return `${p.message}${p.count > 1 ? ` — ${p.count} lines` : ''}${where}`;
}
