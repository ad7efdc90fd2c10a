import { afterEach, describe, expect, it } from 'vitest';
import { TEST_ENGINES } from '../../test/support/test-databases.ts';
import { at10, at20, openBooks, type Books } from '../../test/support/books.ts';
import { loadTickets, selectDocuments, selectPaymentOnlyTickets, toPostingTicket } from './posting-source.ts';

const D1 = '2026-11-02';
const D2 = '2026-11-03';

for (const engine of TEST_ENGINES) {
  describe(`ticket reading for posting on ${engine}`, () => {
    let b: Books;
    afterEach(async () => b?.cleanup());

    it('the store read (on SQLite fields picked by SQL through prepared statements) gives exactly the tickets the plain JSON read gives', async () => {
      b = await openBooks(engine);
      await b.sell([
        { day: D1, customer: 'COMPTOIR', lines: [at20('159.90'), at10('12.35'), { article: 'X20', qty: '3', price: '0.99' }], payments: [{ mode: 'CB', amount: '100.00' }, { mode: 'ESP' }] },
        { day: D1, customer: 'C0000001', lines: [at20('248.69')], payments: [{ mode: 'CRED' }] },
        { day: D1, customer: 'C0000002', settlements: [{ kind: 'deposit', ref: '10001651', amount: '100.00' }], payments: [{ mode: 'CB' }] },
        { day: D1, customer: 'COMPTOIR', lines: [{ article: 'X20', qty: '-1', price: '20.00' }], payments: [{ mode: 'ESP' }] },
      ]);
      const invoice = (await b.rows<{ number: string }>("select number from documents where customer = 'C0000001'"))[0].number;
      await b.sell([
        { day: D2, customer: 'C0000001', settlements: [{ kind: 'invoice', ref: invoice, amount: '100.69' }], payments: [{ mode: 'CHQ' }] },
        { day: D2, customer: 'C0000002', lines: [at20('664.00')], payments: [{ mode: 'ACP', amount: '100.00', ref: '10001651' }, { mode: 'CB' }] },
      ]);
      const docs = await selectDocuments(b.db, { until: D2 });
      const paymentOnly = await selectPaymentOnlyTickets(b.db, { until: D2 });
      expect(docs.length).toBeGreaterThan(2);
      expect(paymentOnly.length).toBe(2);
      const docIds = docs.map((d) => d.id);
      const looseIds = paymentOnly.map((t) => t.id);

      const content = await b.rows<{ id: string; document_id: number | null; document_number: string | null; content: string }>('select id, document_id, document_number, content from tickets');
      const byId = <T extends { id: string }>(xs: T[]): T[] => [...xs].sort((x, y) => x.id.localeCompare(y.id));
      const plain = byId(content.map((r) => toPostingTicket({ ...r, document_id: r.document_id === null ? null : Number(r.document_id) })));
      expect(plain.length).toBe(6);

      const viaStatements = byId(await loadTickets(b.db, docIds, looseIds));
      expect(viaStatements).toEqual(plain);
      // What posting needs is there, not more: each line keeps its VAT code, rate and amount, and its
      // quantity and unit price (books rounding per product).
      const first = viaStatements.find((t) => t.lines.length === 3)!;
      expect(first.lines).toEqual([
        { vatCode: 'VN', vatRate: '20', inclVat: '159.90', qty: '1', unitPrice: '159.90' },
        { vatCode: 'VR', vatRate: '10', inclVat: '12.35', qty: '1', unitPrice: '12.35' },
        { vatCode: 'VN', vatRate: '20', inclVat: '2.97', qty: '3', unitPrice: '0.99' },
      ]);
      expect(viaStatements.find((t) => t.payments.some((p) => p.ref))!.payments).toEqual([{ mode: 'ACP', amount: '100.00', ref: '10001651' }, { mode: 'CB', amount: '564.00' }]);
    });
  });
}
