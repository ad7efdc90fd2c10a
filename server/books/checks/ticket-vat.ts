/**
 * ticket-vat: each document's VAT lines are its tickets' lines recomputed from their signed content
 * (ticket-facts.ts): per VAT code, incl VAT = Σ lines and VAT = the tills' split (per line, or on the
 * ticket's total per code), with the checks' own integer arithmetic. Each ticket's stored goods
 * total is Σ its lines.
 */
import { amountText, units } from './amounts.ts';
import { Problems, type BooksCheck } from './check.ts';

export const ticketVatCheck: BooksCheck = {
  name: 'ticket-vat',
  title: "each document's VAT lines = its tickets' lines recomputed per VAT code; each ticket's total = Σ its lines",
  periodScope: { mode: 'period', how: "the period's documents (by day) and their VAT lines against their tickets recomputed; the period's tickets' totals" },
  async run(ctx) {
    const p = new Problems();
    const facts = await ctx.ticketFacts();
    for (const b of facts.broken) p.add(`ticket ${b.ticket}: ${b.message}`, `ticket ${b.ticket}`, b.amounts);
    const { period } = ctx;
    const periodDocs = () => ctx.db.selectFrom('documents').select('id').where('day', '>=', period!.from).where('day', '<=', period!.to);
    const docs = new Map((await ctx.db.selectFrom('documents').select(['id', 'number', 'kind']).$if(period !== null, (q) => q.where('id', 'in', periodDocs())).execute()).map((d) => [Number(d.id), d]));
    const rows = await ctx.db.selectFrom('document_vat').select(['document_id', 'vat_code', 'rate', 'incl', 'vat']).$if(period !== null, (q) => q.where('document_id', 'in', periodDocs())).execute();
    const stored = new Map<number, Map<string, (typeof rows)[number]>>();
    for (const r of rows) {
      const m = stored.get(Number(r.document_id)) ?? new Map();
      m.set(r.vat_code, r);
      stored.set(Number(r.document_id), m);
    }
    for (const [id, d] of docs) {
      const ref = `document ${d.number}`;
      const want = facts.documents.get(id)?.byCode ?? new Map();
      const got = stored.get(id) ?? new Map();
      // A credit note may be stored positive: its lines are negative in the tickets.
      const sign = (x: bigint, s: string) => (d.kind === 'credit-note' && (units(s) ?? 0n) > 0n && x < 0n ? -x : x);
      for (const [code, w] of want) {
        const g = got.get(code);
        if (!g) {
          p.add(`${ref}: its tickets sell under VAT code ${code}, the document has no line for it`, ref, { expected: amountText(w.incl) });
          continue;
        }
        const incl = sign(w.incl, g.incl);
        const vat = sign(w.vat, g.incl);
        if (units(g.incl) !== incl) p.add(`${ref} VAT ${code}: incl VAT ≠ Σ its tickets' lines`, ref, { expected: amountText(incl), found: g.incl });
        if (units(g.vat) !== vat) p.add(`${ref} VAT ${code}: VAT ≠ its tickets' lines split at ${w.rate} %`, ref, { expected: amountText(vat), found: g.vat });
      }
      for (const [code, g] of got) if (!want.has(code)) p.add(`${ref} has a VAT line ${code} none of its tickets sells under`, ref, { expected: '0.00', found: g.incl });
    }
    return p.done(`${facts.count} ticket(s) recomputed, ${docs.size} document(s)`);
  },
};
