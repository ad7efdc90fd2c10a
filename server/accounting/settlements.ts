/**
 * Settlement items (effets) over time (pure). Items are never edited: paying an open receivable
 * closes it (closed in the paying batch) and, when the payment is partial, opens a new item for the
 * rest with the same state (seed 003: an effet "BPV" for the part paid, an effet "*10" for what is
 * still owed: 248.69 paid 100.69 leaves 148.00). Undoing the batch deletes what it created and
 * reopens what it closed.
 */
import { unitsDec, type Units } from './units.ts';
import type { BooksError } from '../../sync/errors.ts';
import type { BooksPass } from '../books/pass.ts';
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
}

/** What settlement planning reads. */
export interface SettlementSnapshot {
  /** Open items of the documents / orders concerned, oldest first. */
  existing: readonly OpenItem[];
  /** Items made by the posting pass (payments, receivables, deposits). */
  created: readonly SettlementDraft[];
  /** Payments of invoices and uses of deposits, in ticket order. */
  consumptions: readonly Consumption[];
}

interface Work {
  ref: ParentRef;
  item: OpenItem | NewItem;
  open: Units;
  closed: boolean;
}

/**
 * A pass (server/books/pass.ts). Its errors are warnings: money that pays more than is open stays
 * on the customer's account, the run goes on.
 */
export const planSettlements: BooksPass<SettlementSnapshot, SettlementPlan> = ({ existing, created, consumptions }) => {
  // One item per payment of the run: an explicit copy (a spread per item showed in profiles).
  const items: NewItem[] = [];
  for (const c of created) {
    items.push({ kind: c.kind, customer: c.customer, thirdParty: c.thirdParty, documentNumber: c.documentNumber, ticketId: c.ticketId, mode: c.mode, state: c.state, amount: c.amount, open: c.open, day: c.day, parent: null, closed: false });
  }
  const closeIds: number[] = [];
  const warnings: BooksError[] = [];
  if (!consumptions.length) return { result: { items, closeIds }, errors: warnings };
  // Open items per kind and document, oldest first: a consumption only ever looks at its own.
  const work = new Map<string, Work[]>();
  const keyOf = (kind: SettlementKind, ref: string) => `${kind}\u0000${ref}`;
  const track = (w: Work) => {
    if (w.item.kind === 'payment' || w.open === 0 || w.item.documentNumber === null) return;
    const k = keyOf(w.item.kind, w.item.documentNumber);
    const list = work.get(k);
    if (list) list.push(w);
    else work.set(k, [w]);
  };
  for (const e of existing) track({ ref: { db: e.id }, item: e, open: e.open, closed: false });
  for (let i = 0; i < items.length; i++) track({ ref: { local: i }, item: items[i], open: items[i].open, closed: false });

  for (const c of consumptions) {
    let left: Units = c.amount;
    for (const w of work.get(keyOf(c.kind, c.ref)) ?? []) {
      if (left === 0) break;
      if (w.closed) continue;
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
        track({ ref: { local: i }, item: items[i], open: rest, closed: false });
      }
    }
    if (left !== 0) {
      const what = c.kind === 'receivable' ? `invoice ${c.ref} has no open receivable for ${unitsDec(left).toFixed()}` : `order ${c.ref} has no open deposit for ${unitsDec(left).toFixed()}`;
      warnings.push({ source: 'settlements', message: `ticket ${c.ticketId}: ${what}; the amount stays on the customer's account`, ref: { ticket: c.ticketId } });
    }
  }
  return { result: { items, closeIds }, errors: warnings };
};
