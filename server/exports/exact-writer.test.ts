import { describe, expect, it } from 'vitest';
import { D } from '../../sync/money.ts';
import { checkExactConditions, exactJournalCode, writeExact, xmlText, type ExactMapping } from './exact-writer.ts';
import { entry, line, sampleLedger } from './sample-ledger.ts';
import { child, children, parseXml } from './xml-read.ts';
import { describeProblem } from './ledger-model.ts';

const MAPPING: ExactMapping = {
  journals: new Set(['70', '30', 'CA', 'HA']),
  accounts: new Set(['410000', '411000', '445711', '511000', '531000', '707000']),
  vatCodes: new Set(['VN', 'VR']),
  customers: new Map([
    ['C0000001', { name: 'Dupont Bâtiment', address: '3 avenue des Lilas, 69003 Lyon' }],
    ['C0000002', { name: 'Martin & Fils', address: '8 quai de la Loire, 44000 Nantes' }],
    ['0000002', { name: 'Client comptoir', address: '12 rue du Commerce, 75015 Paris' }],
  ]),
};

describe('Exact Online XML writer', () => {
  it('writes well-formed XML whose transactions tie out with the ledger', () => {
    const ledger = sampleLedger();
    const { xml } = writeExact(ledger);
    const root = parseXml(xml);
    expect(root.name).toBe('eExact');
    const txs = children(child(root, 'GLTransactions')!, 'GLTransaction');
    expect(txs).toHaveLength(ledger.length);
    let debit = new D(0);
    txs.forEach((tx, i) => {
      const lines = children(tx, 'GLTransactionLine');
      expect(lines).toHaveLength(ledger[i].lines.length);
      const values = lines.map((l) => new D(child(child(l, 'Amount')!, 'Value')!.text));
      // Debit positive, credit negative: every transaction sums to zero.
      expect(values.reduce((a, v) => a.plus(v), new D(0)).isZero()).toBe(true);
      debit = values.filter((v) => v.isPositive()).reduce((a, v) => a.plus(v), debit);
      expect(child(tx, 'Date')!.text).toBe(ledger[i].date);
    });
    const ledgerDebit = ledger.flatMap((e) => e.lines).reduce((a, l) => a.plus(l.debit), new D(0));
    expect(debit.toFixed(2)).toBe(ledgerDebit.toFixed(2));
  });

  it('carries the invoice number as YourRef, the customer as Account, the VAT code on sales lines', () => {
    const root = parseXml(writeExact(sampleLedger()).xml);
    const tx = children(child(root, 'GLTransactions')!, 'GLTransaction')[0];
    expect(child(tx, 'TransactionType')!.attrs.number).toBe('20');
    expect(child(tx, 'Journal')!.attrs.code).toBe('70');
    const [customer, sales, vat] = children(tx, 'GLTransactionLine');
    expect(child(customer, 'Account')!.attrs.code).toBe('C0000001');
    expect(child(child(customer, 'References')!, 'YourRef')!.text).toBe('10001432');
    expect(child(customer, 'GLAccount')!.attrs.code).toBe('411000');
    const vt = child(sales, 'VATTransaction')!;
    expect(vt.attrs.code).toBe('VN');
    expect(child(vt, 'VATBaseAmount')!.text).toBe('133.25');
    expect(child(vt, 'VATAmount')!.text).toBe('26.65');
    expect(child(child(vat, 'Amount')!, 'Value')!.text).toBe('-26.65');
    const treasury = children(child(root, 'GLTransactions')!, 'GLTransaction')[2];
    expect(child(treasury, 'TransactionType')!.attrs.number).toBe('40');
  });

  it('escapes text: &, <, quotes and control characters never break the XML', () => {
    expect(xmlText('Martin & Fils <pro> "x" \'y\'\u0001')).toBe('Martin &amp; Fils &lt;pro&gt; &quot;x&quot; &apos;y&apos;');
    const root = parseXml(writeExact(sampleLedger()).xml);
    const martin = children(child(root, 'GLTransactions')!, 'GLTransaction')[5];
    expect(child(martin, 'Description')!.text).toBe('Facture 10001435 Martin & Fils <pro>');
    expect(child(children(martin, 'GLTransactionLine')[0], 'Account')!.children[0].text).toBe('Martin & Fils <pro>');
  });

  it('falls back to numeric journals 70 (sales) and 30 (receipts) with one warning per code', () => {
    expect(exactJournalCode('72', 'sales')).toEqual({ code: '72', fallback: false });
    expect(exactJournalCode('VT', 'sales')).toEqual({ code: '70', fallback: true });
    expect(exactJournalCode('BQ', 'treasury')).toEqual({ code: '30', fallback: true });
    const ledger = sampleLedger().map((e) => ({ ...e, journal: e.journal === '70' ? 'VT' : e.journal }));
    const { xml, warnings } = writeExact(ledger);
    const codes = children(child(parseXml(xml), 'GLTransactions')!, 'GLTransaction').map((t) => child(t, 'Journal')!.attrs.code);
    expect(codes).toEqual(['70', '70', '30', '70', '30', '70']);
    expect(warnings).toHaveLength(2);
    expect(warnings.join('\n')).toMatch(/"VT" is not numeric: exported on Exact journal 70/);
    expect(warnings.join('\n')).toMatch(/"CA" is not numeric: exported on Exact journal 30/);
  });

  it('passes the seed-001 conditions on a correctly mapped ledger', () => {
    expect(checkExactConditions(sampleLedger(), MAPPING)).toEqual([]);
  });

  it('lists every failed condition at once', () => {
    const bad = [
      ...sampleLedger(),
      entry(20, 'VE', 'sales', '2026-11-04', '', 'no number', [
        line('411000', 'D', '12.00', { aux: 'C0000009' }),
        line('706000', 'C', '10.00'),
        line('445799', 'C', '2.00', { vat: 'VX' }),
      ]),
      entry(21, '70', 'sales', '2026-11-04', '10001440', 'no address', [
        line('411000', 'D', '1.00', { aux: 'C0000003', doc: '10001440' }),
        line('', 'C', '1.00'),
      ]),
    ];
    const m: ExactMapping = { ...MAPPING, customers: new Map([...MAPPING.customers, ['C0000003', { name: 'Garage Leroy', address: '' }]]) };
    const problems = checkExactConditions(bad, m);
    const codes = problems.map((p) => p.code).sort();
    expect(codes).toEqual(['account-unmapped', 'account-unmapped', 'customer-no-address', 'customer-unknown', 'invoice-unnumbered', 'invoice-unnumbered', 'journal-unknown', 'line-no-account', 'vat-missing', 'vat-unmapped']);
    const text = problems.map(describeProblem).join('\n');
    expect(text).toMatch(/journal VE is not in the accounting mapping/);
    expect(text).toMatch(/account 706000 is not in the chart/);
    expect(text).toMatch(/customer C0000003 \(Garage Leroy\) has no address/);
    expect(text).toMatch(/VAT code VX is not mapped/);
    expect(text).toMatch(/sales line on 706000 has no VAT code/);
    expect(text).toMatch(/sales entry 20 has no invoice number/);
  });
});
