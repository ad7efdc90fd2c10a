/**
 * Accumulates signed amounts (debit − credit) per line identity and renders a balanced entry:
 * positive sums become debits, negative ones credits, zero lines disappear. Lines keep the order in
 * which their identity first appeared, so customer lines come first as in the seed listings.
 */
import type { Decimals } from '../../sync/money.ts';
import { roundUnits, type Units } from './units.ts';
import type { EntryDraft, EntryKind, LineDraft } from './ledger-types.ts';

export interface LineSpec {
  account: string;
  aux?: string | null;
  auxLabel?: string | null;
  label: string;
  vatCode?: string | null;
  documentNumber?: string | null;
  letterKey?: string | null;
}

/** A line spec with its identity computed once (lines with the same identity add up). */
export interface LineKey {
  spec: LineSpec;
  id: string;
}

export function lineKey(spec: LineSpec): LineKey {
  return { spec, id: `${spec.account}\u0000${spec.aux ?? ''}\u0000${spec.vatCode ?? ''}\u0000${spec.documentNumber ?? ''}\u0000${spec.letterKey ?? ''}\u0000${spec.label}` };
}

export class EntryBuilder {
  private readonly lines = new Map<string, { spec: LineSpec; amount: Units }>();
  private readonly documents = new Set<string>();
  private readonly tickets = new Set<string>();

  constructor(
    readonly journal: string,
    readonly date: string,
    readonly piece: string,
    readonly label: string,
    readonly kind: EntryKind,
  ) {}

  /** Records what the lines added next come from (a document of the run, or a payment-only ticket). */
  from(source: { document: string } | { ticket: string }): this {
    if ('document' in source) this.documents.add(source.document);
    else this.tickets.add(source.ticket);
    return this;
  }

  /** @param signed debit − credit, in units of 10^-4 */
  add(spec: LineSpec, signed: Units): void {
    if (signed === 0) return;
    this.addKeyed(lineKey(spec), signed);
  }

  /** The same as add, for a line whose identity is already known. */
  addKeyed(line: LineKey, signed: Units): void {
    if (signed === 0) return;
    const cur = this.lines.get(line.id);
    if (cur) {
      cur.amount += signed;
      if (!Number.isSafeInteger(cur.amount)) throw new Error(`entry ${this.piece}: amount on ${line.spec.account} too large to post exactly`);
    } else this.lines.set(line.id, { spec: line.spec, amount: signed });
  }

  build(decimals: Decimals): EntryDraft | null {
    const lines: LineDraft[] = [];
    for (const { spec, amount } of this.lines.values()) {
      const a = roundUnits(amount, decimals);
      if (a === 0) continue;
      lines.push({
        account: spec.account,
        aux: spec.aux ?? null,
        auxLabel: spec.auxLabel ?? null,
        label: spec.label,
        amount: a,
        vatCode: spec.vatCode ?? null,
        documentNumber: spec.documentNumber ?? null,
        letterKey: spec.letterKey ?? null,
      });
    }
    if (!lines.length) return null;
    return { journal: this.journal, date: this.date, piece: this.piece, label: this.label, kind: this.kind, lines, sources: { documents: [...this.documents], tickets: [...this.tickets] } };
  }
}
