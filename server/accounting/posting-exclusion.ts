/**
 * Leaving documents out of a posting run (seed 002: "décocher les écritures que vous ne voulez pas
 * créer"), pure. What the user names (document numbers, payment-only ticket ids) is dropped from
 * the selection; what relies on it in the same run is held back with it, so that the books never
 * hold a payment of an invoice, or the use of a deposit, before the invoice or the deposit itself:
 *  - a payment-only ticket that settles an invoice left out;
 *  - a document (or payment-only ticket) paid with a voucher of a deposit left out.
 * Otherwise the payment would find no open receivable (its effet would be wrong for good once the
 * invoice is posted). Everything left out stays unposted and the next run takes it, in day order.
 */
import type { PostingDocument, PostingTicket } from './ledger-types.ts';

/** Invoices a ticket settles and orders whose deposit it uses: they must be in the books first. */
export function ticketNeeds(t: Pick<PostingTicket, 'settlements' | 'payments'>): string[] {
  const out = new Set<string>();
  for (const s of t.settlements) if (s.kind === 'invoice' && s.ref) out.add(s.ref);
  for (const p of t.payments) if (p.ref) out.add(p.ref);
  return [...out];
}

/** Orders a ticket takes a deposit on: a voucher later uses them. */
export function ticketProvides(t: Pick<PostingTicket, 'settlements'>): string[] {
  return [...new Set(t.settlements.filter((s) => s.kind === 'deposit' && s.ref).map((s) => s.ref))];
}

export interface HeldBack {
  kind: 'document' | 'ticket';
  /** Document number or ticket id. */
  id: string;
  /** The invoice or order left out that it relies on. */
  because: string;
}

export interface HoldBackResult {
  documents: PostingDocument[];
  tickets: PostingTicket[];
  heldBack: HeldBack[];
}

/**
 * Drops from one chunk the documents and payment-only tickets that rely on something left out.
 * `leftOut` holds the refs (document numbers, deposit orders) left out so far in the run; the refs
 * of what is held back here are added to it, so later chunks hold back what relies on them too.
 */
export function holdBack(documents: PostingDocument[], tickets: PostingTicket[], leftOut: Set<string>): HoldBackResult {
  if (!leftOut.size) return { documents, tickets, heldBack: [] };
  interface Unit {
    kind: HeldBack['kind'];
    id: string;
    needs: string[];
    provides: string[];
    held: boolean;
  }
  const units = new Map<string, Unit>();
  const byDocId = new Map<number, Unit>();
  for (const d of documents) {
    const u: Unit = { kind: 'document', id: d.number, needs: [], provides: [d.number], held: false };
    units.set(`d${d.id}`, u);
    byDocId.set(d.id, u);
  }
  for (const t of tickets) {
    const u = t.documentId === null ? { kind: 'ticket' as const, id: t.id, needs: [], provides: [], held: false } : byDocId.get(t.documentId);
    if (!u) continue;
    if (t.documentId === null) units.set(`t${t.id}`, u);
    u.needs.push(...ticketNeeds(t));
    u.provides.push(...ticketProvides(t));
  }
  const heldBack: HeldBack[] = [];
  // Same-day chains (a deposit and its voucher on one day) need more than one pass.
  for (let changed = true; changed; ) {
    changed = false;
    for (const u of units.values()) {
      if (u.held) continue;
      const because = u.needs.find((r) => leftOut.has(r) && !u.provides.includes(r));
      if (because === undefined) continue;
      u.held = changed = true;
      heldBack.push({ kind: u.kind, id: u.id, because });
      for (const r of u.provides) leftOut.add(r);
    }
  }
  if (!heldBack.length) return { documents, tickets, heldBack };
  const heldDocs = new Set(documents.filter((d) => units.get(`d${d.id}`)!.held).map((d) => d.id));
  return {
    documents: documents.filter((d) => !heldDocs.has(d.id)),
    tickets: tickets.filter((t) => (t.documentId === null ? !units.get(`t${t.id}`)?.held : !heldDocs.has(t.documentId))),
    heldBack,
  };
}
