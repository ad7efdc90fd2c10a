/**
 * Settlement items (effets) over time (pure). Items are never edited: paying an open receivable
 * closes it (closed in the paying batch) and, when the payment is partial, opens a new item for the
 * rest with the same state (seed 003: an effet "BPV" for the part paid, an effet "*10" for what is
 * still owed: 248.69 paid 100.69 leaves 148.00). Undoing the batch deletes what it created and
 * reopens what it closed.
 */
import { unitsDec, type Units } from './units.ts';
import type { DataError } from '../../sync/errors.ts';
import type { Consumption, SettlementDraft, SettlementKind } from './ledger-types.ts';

/** An existing settlement item, as read back from the database. */
export type OpenItem = SettlementDraft & {
  /** Database id of an existing item. */
  id: number;
};

export type ParentRef = { db: number } | { local: number } | null;

export interface NewItem extends SettlementDraft {
  parent: ParentRef;
  /** Closed in this same batch (a receivable made and paid in one run). */
  closed: boolean;
}

export interface SettlementPlan {
  /** Items to insert, in order; `local` parent refs index this list. */
  items: NewItem[];
  /** Existing items closed by this batch. */
  closeIds: number[];
  warnings: DataError[];
}

interface Work {
  ref: ParentRef;
  item: OpenItem | NewItem;
  open: Units;
  closed: boolean;
}

/**
 * @param existing open items of the documents / orders concerned, oldest first
 * @param created items made by the posting pass (payments, receivables, deposits)
 * @param consumptions payments of invoices and uses of deposits, in ticket order
 */
export function planSettlements(existing: OpenItem[], created: SettlementDraft[], consumptions: Consumption[]): SettlementPlan {
  const items: NewItem[] = created.map((c) => ({ ...c, parent: null, closed: false }));
  const work: Work[] = [
    ...existing.map((e) => ({ ref: { db: e.id } as ParentRef, item: e, open: e.open, closed: false })),
    ...items.map((it, i) => ({ ref: { local: i } as ParentRef, item: it, open: it.open, closed: false })),
  ].filter((w) => w.item.kind !== 'payment' && w.open !== 0);
  const closeIds: number[] = [];
  const warnings: DataError[] = [];

  for (const c of consumptions) {
    let left: Units = c.amount;
    for (const w of work) {
      if (left === 0) break;
      if (w.closed || w.item.kind !== c.kind || w.item.documentNumber !== c.ref) continue;
      if (w.open < 0 !== left < 0) continue;
      const take = left < 0 ? Math.max(w.open, left) : Math.min(w.open, left);
      left -= take;
      w.closed = true;
      if ('db' in (w.ref ?? {})) closeIds.push((w.ref as { db: number }).db);
      else items[(w.ref as { local: number }).local].closed = true;
      const rest = w.open - take;
      if (rest !== 0) {
        const i = items.length;
        items.push({
          kind: w.item.kind,
          customer: w.item.customer,
          thirdParty: w.item.thirdParty,
          documentNumber: w.item.documentNumber,
          ticketId: c.ticketId,
          mode: w.item.mode,
          state: w.item.state,
          amount: rest,
          open: rest,
          day: c.day,
          parent: w.ref,
          closed: false,
        });
        work.push({ ref: { local: i }, item: items[i], open: rest, closed: false });
      }
    }
    if (left !== 0) {
      const what = c.kind === 'receivable' ? `invoice ${c.ref} has no open receivable for ${unitsDec(left).toFixed()}` : `order ${c.ref} has no open deposit for ${unitsDec(left).toFixed()}`;
      warnings.push({ source: 'settlements', message: `ticket ${c.ticketId}: ${what}; the amount stays on the customer's account`, ref: { ticket: c.ticketId } });
    }
  }
  return { items, closeIds, warnings };
}
