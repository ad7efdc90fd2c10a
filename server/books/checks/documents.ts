/**
 * documents: each document ties out with its tickets and its VAT lines. Its total incl VAT is the
 * Σ of its tickets' goods (ticket count and first/last number as it says), its VAT lines sum to its
 * totals (incl, net, VAT) and each VAT line is net + VAT = incl; every ticket pointing at a document
 * carries that document's number and was integrated by the document's batch. Exact integer units, aggregated in SQL.
 */
import { sql } from 'kysely';
import { amountText, bigOf, units } from './amounts.ts';
import { Problems, type BooksCheck } from './check.ts';

/** A credit note may be stored positive (its sign comes from its kind): compare magnitudes then. */
const same = (kind: string, a: bigint, b: bigint) => (kind === 'credit-note' ? (a < 0n ? -a : a) === (b < 0n ? -b : b) : a === b);

export const documentsCheck: BooksCheck = {
  name: 'documents',
  title: 'each document = Σ its tickets = Σ its VAT lines; each VAT line net + VAT = incl',
  periodScope: { mode: 'period', how: "the period's documents (by day), the tickets and VAT lines pointing at them, the period's tickets without a document; VAT lines without a document are looked for by the whole check only" },
  async run({ db, sql: u, period }) {
    const p = new Problems();
    const from = period?.from ?? '';
    const to = period?.to ?? '';
    const periodDocs = () => db.selectFrom('documents').select('id').where('day', '>=', from).where('day', '<=', to);
    const docs = await db
      .selectFrom('documents')
      .select(['id', 'number', 'kind', 'total_incl', 'total_excl', 'total_vat', 'ticket_count', 'first_ticket', 'last_ticket'])
      .$if(period !== null, (q) => q.where('day', '>=', from).where('day', '<=', to))
      .orderBy('id')
      .execute();
    const byTickets = new Map(
      (
        await db
          .selectFrom('tickets')
          .select(['document_id', (eb) => eb.fn.countAll().as('n'), (eb) => eb.fn.min('number').as('first'), (eb) => eb.fn.max('number').as('last'), u.sum('total_incl').as('goods')])
          .where('document_id', 'is not', null)
          .$if(period !== null, (q) => q.where('document_id', 'in', periodDocs()))
          .groupBy('document_id')
          .execute()
      ).map((r) => [Number(r.document_id), r]),
    );
    const byVat = new Map(
      (
        await db
          .selectFrom('document_vat')
          .select(['document_id', u.sum('incl').as('incl'), u.sum('base').as('base'), u.sum('vat').as('vat')])
          .$if(period !== null, (q) => q.where('document_id', 'in', periodDocs()))
          .groupBy('document_id')
          .execute()
      ).map((r) => [Number(r.document_id), r]),
    );
    for (const d of docs) {
      const ref = `document ${d.number}`;
      const incl = units(d.total_incl);
      const excl = units(d.total_excl);
      const vat = units(d.total_vat);
      if (incl === null || excl === null || vat === null) {
        p.add(`${ref}: totals ${d.total_incl} / ${d.total_excl} / ${d.total_vat} are not amounts`, ref);
        continue;
      }
      if (excl + vat !== incl) p.add(`${ref}: net + VAT ≠ total incl VAT`, ref, { expected: amountText(excl + vat), found: d.total_incl });
      const t = byTickets.get(Number(d.id));
      if (!t) p.add(`${ref} has no ticket`, ref);
      else {
        const goods = bigOf(t.goods);
        if (!same(d.kind, incl, goods)) p.add(`${ref}: total ≠ Σ its tickets`, ref, { expected: amountText(goods), found: d.total_incl });
        if (Number(t.n) !== Number(d.ticket_count)) p.add(`${ref} says ${d.ticket_count} ticket(s), ${t.n} point at it`, ref);
        if (Number(t.first) !== Number(d.first_ticket) || Number(t.last) !== Number(d.last_ticket)) p.add(`${ref} says tickets ${d.first_ticket}–${d.last_ticket}, holds ${t.first}–${t.last}`, ref);
      }
      const v = byVat.get(Number(d.id));
      if (!v) p.add(`${ref} has no VAT line`, ref);
      else {
        for (const [what, want, got] of [['incl VAT', incl, bigOf(v.incl)], ['net', excl, bigOf(v.base)], ['VAT', vat, bigOf(v.vat)]] as const) {
          if (want !== got) p.add(`${ref}: ${what} ≠ Σ its VAT lines`, ref, { expected: amountText(got), found: amountText(want) });
        }
      }
    }
    const badLines = await db
      .selectFrom('document_vat as v')
      .innerJoin('documents as d', 'd.id', 'v.document_id')
      .select(['d.number', 'v.vat_code', 'v.base', 'v.vat', 'v.incl'])
      .where(sql<boolean>`${u.of('v.base')} + ${u.of('v.vat')} <> ${u.of('v.incl')}`)
      .$if(period !== null, (q) => q.where('d.day', '>=', from).where('d.day', '<=', to))
      .execute();
    for (const l of badLines) p.add(`document ${l.number} VAT line ${l.vat_code}: net ${l.base} + VAT ${l.vat} ≠ ${l.incl}`, `document ${l.number}`, { expected: l.incl, found: amountText(unitsSum(l.base, l.vat)) });
    const orphanVat = period
      ? []
      : await db
      .selectFrom('document_vat as v')
      .select('v.document_id')
      .distinct()
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('documents as d').select('d.id').whereRef('d.id', '=', 'v.document_id'))))
      .execute();
    for (const o of orphanVat) p.add(`VAT lines of document id ${o.document_id}, which does not exist`, `document id ${o.document_id}`);
    const links = await db
      .selectFrom('tickets as t')
      .leftJoin('documents as d', 'd.id', 't.document_id')
      .select(['t.id', 't.document_id', 't.document_number', 't.integration_batch', 'd.number', 'd.batch_id'])
      .where((eb) =>
        eb.or([
          eb.and([eb('t.document_id', 'is not', null), eb.or([eb('d.id', 'is', null), eb('d.number', '<>', eb.ref('t.document_number')), eb('t.document_number', 'is', null), eb('t.integration_batch', 'is', null), eb('t.integration_batch', '<>', eb.ref('d.batch_id'))])]),
          eb.and([eb('t.document_id', 'is', null), eb('t.document_number', 'is not', null)]),
        ]),
      )
      .$if(period !== null, (q) => q.where((eb) => eb.or([eb('t.document_id', 'in', periodDocs()), eb.and([eb('t.document_id', 'is', null), eb('t.day', '>=', from), eb('t.day', '<=', to)])])))
      .orderBy('t.id')
      .execute();
    for (const l of links) {
      const ref = `ticket ${l.id}`;
      if (l.document_id === null) p.add(`${ref} carries number ${l.document_number} but no document`, ref);
      else if (l.number === null) p.add(`${ref} points at document id ${l.document_id}, which does not exist`, ref);
      else if (l.document_number !== l.number) p.add(`${ref} carries number ${l.document_number}, its document is ${l.number}`, ref);
      else p.add(`${ref} was integrated by batch ${l.integration_batch ?? 'none'}, its document ${l.number} by batch ${l.batch_id}`, ref);
    }
    return p.done(`${docs.length} document(s)`);
  },
};

function unitsSum(a: string, b: string): bigint {
  return (units(a) ?? 0n) + (units(b) ?? 0n);
}
