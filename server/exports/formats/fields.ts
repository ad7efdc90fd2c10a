/**
 * Field helpers of the accounting software formats: fixed widths, cut with a warning (never
 * silently: a cut label or account is listed in the export's warnings with the entries concerned),
 * signed amounts split into direction + absolute value, dates in the software's layout.
 */
import { D, fmt } from '../../../sync/money.ts';
import { ProblemList, describeProblem, type LedgerLine } from '../ledger-model.ts';

export class FieldCutter {
  private readonly cuts = new ProblemList();

  constructor(private readonly format: string) {}

  /** `value` on exactly `width` characters (left-aligned, or right-aligned with `right`), cut with a warning when longer. */
  fit(value: string | null | undefined, width: number, field: string, entry: number | null, opts: { right?: boolean; pad?: string } = {}): string {
    const v = (value ?? '').replace(/[\r\n\t]+/g, ' ');
    if (v.length > width) {
      this.cuts.add('cut', field, `${this.format}: ${field} longer than ${width} characters, cut`, entry);
      return opts.right ? v.slice(v.length - width) : v.slice(0, width);
    }
    return opts.right ? v.padStart(width, opts.pad ?? ' ') : v.padEnd(width, opts.pad ?? ' ');
  }

  /** For delimited formats: cut to `max` with a warning, no padding. */
  cap(value: string | null | undefined, max: number, field: string, entry: number | null): string {
    const v = (value ?? '').replace(/[\r\n\t]+/g, ' ');
    if (v.length <= max) return v;
    this.cuts.add('cut', field, `${this.format}: ${field} longer than ${max} characters, cut`, entry);
    return v.slice(0, max);
  }

  /** A warning that is not a cut (one per `key`, counting lines and naming entries like the cuts). */
  warn(key: string, message: string, entry: number | null): void {
    this.cuts.add('note', key, `${this.format}: ${message}`, entry);
  }

  get warnings(): string[] {
    return this.cuts.list.map(describeProblem);
  }
}

/** The analytic records of a line: one per section it is spread over, else its one section with the whole amount. */
export function analyticRecords(l: LedgerLine): { section: string; amount: string }[] {
  if (l.analyticParts?.length) return l.analyticParts;
  return l.analytic ? [{ section: l.analytic, amount: direction(l).amount }] : [];
}

/** Formats with one analytic zone a line (Ciel, Quadratus): the line's section, and a warning when it is spread over several. */
export function oneSection(l: LedgerLine, cut: FieldCutter, entry: number): string {
  if ((l.analyticParts?.length ?? 0) > 1) cut.warn('analytic-parts', 'one analytic section a line: lines spread over several sections carry their largest', entry);
  return l.analytic ?? '';
}

/** D or C and the absolute amount as decimal text with 2 decimals ("483.60"). */
export function direction(l: LedgerLine): { sens: 'D' | 'C'; amount: string } {
  const net = new D(l.debit || 0).minus(l.credit || 0);
  return { sens: net.isNegative() ? 'C' : 'D', amount: fmt(net.abs()) };
}

/** The amount in cents, digits only ("48360"). */
export function cents(amount: string): string {
  return new D(amount).times(100).toFixed(0);
}

/** YYYY-MM-DD → DDMMYY, DDMMYYYY or YYYYMMDD. */
export function day(iso: string, layout: 'DDMMYY' | 'DDMMYYYY' | 'YYYYMMDD'): string {
  const [y, m, d] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
  return layout === 'DDMMYY' ? `${d}${m}${y.slice(2)}` : layout === 'DDMMYYYY' ? `${d}${m}${y}` : `${y}${m}${d}`;
}

/** The general account, or the third party on customer lines (formats with one account column). */
export function accountOrThirdParty(l: LedgerLine): string {
  return l.auxAccount || l.account;
}
