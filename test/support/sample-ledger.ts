/**
 * Test data: the seeds' public examples as a small ledger (used by the writer tests and, inserted
 * into SQL, by the export store tests). Not imported by production code.
 *
 *  - invoices 10001432 = 159.90 and 10001433 = 200.00 (Dupont Bâtiment) lettered AAA with one card
 *    payment of 359.90;
 *  - the counter customer's 483.60 incl. 20 % VAT = 403.00 + 80.60, paid in cash;
 *  - 13.46 = 11.22 + 2.24 for Martin & Fils, on credit (left open);
 *  - labels with a tab, a pipe, a line break, & and < to prove the writers sanitise and escape.
 */
import type { LedgerEntry, LedgerLine } from '../../server/exports/ledger-model.ts';

const LABELS: Record<string, string> = {
  '410000': 'Clients comptoir', '411000': 'Clients', '445711': 'TVA collectée 20 %', '511000': 'Cartes bancaires à encaisser', '531000': 'Caisse', '707000': 'Ventes de marchandises',
};
const CUSTOMERS: Record<string, string> = { C0000001: 'Dupont Bâtiment', C0000002: 'Martin & Fils <pro>', '0000002': 'Client comptoir' };
const JOURNALS: Record<string, string> = { '70': 'Ventes', '30': 'Banque', CA: 'Caisse' };

export function line(account: string, side: 'D' | 'C', amount: string, extra: { aux?: string; vat?: string; doc?: string; letter?: [string, string]; label?: string } = {}): LedgerLine {
  return {
    account,
    accountLabel: LABELS[account] ?? account,
    auxAccount: extra.aux ?? null,
    auxLabel: extra.aux ? CUSTOMERS[extra.aux] ?? extra.aux : null,
    label: extra.label ?? '',
    debit: side === 'D' ? amount : '0.00',
    credit: side === 'C' ? amount : '0.00',
    vatCode: extra.vat ?? null,
    documentNumber: extra.doc ?? null,
    letterCode: extra.letter?.[0] ?? null,
    letterDate: extra.letter?.[1] ?? null,
  };
}

export function entry(id: number, journal: string, kind: 'sales' | 'treasury', date: string, piece: string, label: string, lines: LedgerLine[], validatedAt = '2026-11-03T02:00:00.000Z'): LedgerEntry {
  return { id, journal, journalLabel: JOURNALS[journal] ?? journal, kind, date, piece, pieceDate: date, label, validatedAt, lines: lines.map((l) => ({ ...l, label: l.label || label })) };
}

const AAA: [string, string] = ['AAA', '2026-11-03'];

export function sampleLedger(): LedgerEntry[] {
  return [
    entry(1, '70', 'sales', '2026-11-02', '10001432', 'Facture 10001432 Dupont Bâtiment', [
      line('411000', 'D', '159.90', { aux: 'C0000001', doc: '10001432', letter: AAA }),
      line('707000', 'C', '133.25', { vat: 'VN', doc: '10001432' }),
      line('445711', 'C', '26.65', { vat: 'VN', doc: '10001432' }),
    ]),
    entry(2, '70', 'sales', '2026-11-02', '10001433', 'Facture 10001433 Dupont Bâtiment', [
      line('411000', 'D', '200.00', { aux: 'C0000001', doc: '10001433', letter: AAA }),
      line('707000', 'C', '166.67', { vat: 'VN', doc: '10001433' }),
      line('445711', 'C', '33.33', { vat: 'VN', doc: '10001433' }),
    ]),
    entry(3, '30', 'treasury', '2026-11-02', '10001432', 'Règlement CB\tcaisse 01 | Dupont', [
      line('511000', 'D', '359.90'),
      line('411000', 'C', '359.90', { aux: 'C0000001', doc: '10001432', letter: AAA, label: 'Règlement CB 10001432\n10001433' }),
    ]),
    entry(5, '70', 'sales', '2026-11-02', '10001434', 'Facture 10001434 comptoir', [
      line('410000', 'D', '483.60', { aux: '0000002', doc: '10001434' }),
      line('707000', 'C', '403.00', { vat: 'VN', doc: '10001434' }),
      line('445711', 'C', '80.60', { vat: 'VN', doc: '10001434' }),
    ]),
    entry(6, 'CA', 'treasury', '2026-11-02', '10001434', 'Espèces caisse 01', [
      line('531000', 'D', '483.60'),
      line('410000', 'C', '483.60', { aux: '0000002', doc: '10001434' }),
    ]),
    entry(8, '70', 'sales', '2026-11-03', '10001435', 'Facture 10001435 Martin & Fils <pro>', [
      line('411000', 'D', '13.46', { aux: 'C0000002', doc: '10001435' }),
      line('707000', 'C', '11.22', { vat: 'VN', doc: '10001435' }),
      line('445711', 'C', '2.24', { vat: 'VN', doc: '10001435' }),
    ], '2026-11-04T02:00:00.000Z'),
  ];
}
