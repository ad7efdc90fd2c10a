/**
 * vat: per VAT code, the VAT and the net posted on the sales entries = the posted documents' ticket
 * lines split again under the books' rounding rules (accounting.json rounding: decimals, VAT per
 * product, per line or on the total per code, where the rounding difference goes), with the checks' own integer
 * arithmetic. The rules are today's: books posted under other rules show here.
 */
import { amountText, bigOf, roundTo, splitIncl, splitPerProduct } from './amounts.ts';
import { Problems, requireMapping, type BooksCheck } from './check.ts';
import { postedSalesDocuments } from './posted-documents.ts';

const add = (m: Map<string, bigint>, k: string, v: bigint) => m.set(k, (m.get(k) ?? 0n) + v);

export const vatCheck: BooksCheck = {
  name: 'vat',
  title: "VAT and net per VAT code on the sales entries = the posted tickets' lines split under the books' rounding rules",
  periodScope: { mode: 'period', how: "the period's posted documents and their tickets (by the documents' day) against the period's sales entries (by entry date)" },
  async run(ctx) {
    const p = new Problems();
    const m = requireMapping(ctx, p);
    if (!m) return p.done();
    const d = m.rounding.decimals;
    const { docs } = await postedSalesDocuments(ctx.db, m, ctx.period);
    const facts = await ctx.ticketFacts();
    const wantVat = new Map<string, bigint>();
    const wantNet = new Map<string, bigint>();
    for (const doc of docs) {
      const f = facts.documents.get(doc.id);
      if (!f) continue; // the documents check names a document without tickets
      let posted = 0n;
      let first: string | null = null;
      for (const [code, c] of f.byCode) {
        const exportCode = m.vat[code]?.vatCode ?? code;
        first ??= exportCode;
        let net = 0n;
        let vat = 0n;
        if (m.rounding.vatOn === 'product') {
          c.lines.forEach((incl, i) => {
            const p = c.products[i];
            const s = p ? splitPerProduct(p.qty, p.unit, p.discount, c.rate, d) : splitIncl(incl, c.rate, d);
            net += s.net;
            vat += s.vat;
          });
        } else if (m.rounding.vatOn === 'line') {
          for (const incl of c.lines) {
            const s = splitIncl(incl, c.rate, d);
            net += s.net;
            vat += s.vat;
          }
        } else ({ net, vat } = splitIncl(c.incl, c.rate, d));
        add(wantNet, exportCode, net);
        add(wantVat, exportCode, vat);
        posted += net + vat;
      }
      // What rounding leaves between the customer amount and Σ(net + VAT) goes where the rules say.
      const raw = roundTo(doc.total, d) - posted;
      if (raw !== 0n && first !== null) {
        if (m.rounding.difference === 'first-tax') add(wantVat, first, raw);
        else if (m.rounding.difference === 'first-line') add(wantNet, first, raw);
      }
    }
    const vatAccounts = new Set(Object.values(m.vat).map((v) => v.vatAccount));
    const salesAccounts = new Set(Object.values(m.vat).map((v) => v.salesAccount));
    // Discounts posted apart (mapping.discounts) are part of the net: gross sales − discounts.
    if (m.discounts) salesAccounts.add(m.discounts.account);
    const rows = await ctx.db
      .selectFrom('entry_lines as l')
      .innerJoin('entries as e', 'e.id', 'l.entry_id')
      .innerJoin('batches as b', 'b.id', 'e.batch_id')
      .select(['l.vat_code', 'l.account', ctx.sql.sum('l.debit').as('dr'), ctx.sql.sum('l.credit').as('cr')])
      .where('b.kind', '=', 'posting')
      .where('e.kind', '=', 'sales')
      .where('l.vat_code', 'is not', null)
      .$if(ctx.period !== null, (q) => q.where('e.entry_date', '>=', ctx.period!.from).where('e.entry_date', '<=', ctx.period!.to))
      .groupBy(['l.vat_code', 'l.account'])
      .execute();
    const gotVat = new Map<string, bigint>();
    const gotNet = new Map<string, bigint>();
    for (const r of rows) {
      const v = bigOf(r.cr) - bigOf(r.dr);
      if (vatAccounts.has(r.account)) add(gotVat, r.vat_code!, v);
      else if (salesAccounts.has(r.account)) add(gotNet, r.vat_code!, v);
    }
    const codes = [...new Set([...wantVat.keys(), ...gotVat.keys(), ...wantNet.keys(), ...gotNet.keys()])].sort();
    const seen: string[] = [];
    for (const code of codes) {
      for (const [what, want, got] of [['VAT', wantVat, gotVat], ['net', wantNet, gotNet]] as const) {
        const w = want.get(code) ?? 0n;
        const g = got.get(code) ?? 0n;
        if (w !== g) p.add(`VAT code ${code}: ${what} posted ≠ ${what} of the posted tickets' lines`, `VAT ${code}`, { expected: amountText(w, d), found: amountText(g, d) });
      }
      seen.push(`${code} ${amountText(gotVat.get(code) ?? 0n, d)}`);
    }
    return p.done(seen.length ? `VAT ${seen.join(', ')}` : 'no VAT posted');
  },
};
