/**
 * The mapping a new store starts with: the seed values (seed 000 VAT table, customer account
 * 410000 / third party 0000002, journals 70 / 30 / CA / HA; seed 003 settlement states EPV, BPV,
 * CPV, APV, C10). Production code may not import fixtures/, so the values are written here; a test
 * checks they agree with fixtures/store.ts.
 */
import type { AccountingMapping } from './mapping.ts';

export function defaultMapping(): AccountingMapping {
  return {
    version: 1,
    posting: { mode: 'direct', grouping: 'customer', deliveryNotes: 'not-posted' },
    customers: {
      defaultAccount: '410000',
      defaultThirdParty: '0000002',
      fromBaseData: true,
      overrides: {},
    },
    journals: { sales: '70', bank: '30', cash: 'CA', purchases: 'HA' },
    vat: {
      VN: { salesAccount: '707000', vatAccount: '445711', vatCode: 'VN' },
      VR: { salesAccount: '707000', vatAccount: '445712', vatCode: 'VR' },
      VS: { salesAccount: '707000', vatAccount: '445713', vatCode: 'VS' },
      VP: { salesAccount: '707000', vatAccount: '445714', vatCode: 'VP' },
    },
    paymentModes: {
      ESP: { journal: 'CA', account: '531000', state: 'EPV', deliveryNote: false, credit: false, depositVoucher: false },
      CB: { journal: '30', account: '511000', state: 'BPV', deliveryNote: false, credit: false, depositVoucher: false },
      CHQ: { journal: '30', account: '511200', state: 'CPV', deliveryNote: false, credit: false, depositVoucher: false },
      CRED: { journal: '30', account: null, state: 'C10', deliveryNote: false, credit: true, depositVoucher: false },
      ACP: { journal: '30', account: '419100', state: 'APV', deliveryNote: false, credit: false, depositVoucher: true },
      CPT: { journal: '30', account: null, state: 'C10', deliveryNote: true, credit: true, depositVoucher: false },
    },
    deposits: { account: '419100', state: 'APV' },
    rounding: { decimals: 2, vatOn: 'line', difference: 'accounts', lossAccount: '658000', gainAccount: '758000' },
    chart: [
      { number: '410000', label: 'Clients comptoir' },
      { number: '411000', label: 'Clients' },
      { number: '419100', label: 'Clients - avances et acomptes reçus' },
      { number: '445600', label: 'TVA déductible' },
      { number: '445711', label: 'TVA collectée 20 %' },
      { number: '445712', label: 'TVA collectée 10 %' },
      { number: '445713', label: 'TVA collectée 5,5 %' },
      { number: '445714', label: 'TVA collectée 2,1 %' },
      { number: '511000', label: 'Cartes bancaires à encaisser' },
      { number: '511200', label: 'Chèques à encaisser' },
      { number: '512000', label: 'Banque' },
      { number: '531000', label: 'Caisse' },
      { number: '658000', label: 'Charges diverses de gestion courante (écarts)' },
      { number: '707000', label: 'Ventes de marchandises' },
      { number: '758000', label: 'Produits divers de gestion courante (écarts)' },
    ],
    journalList: [
      { code: '70', label: 'Ventes' },
      { code: '30', label: 'Banque' },
      { code: 'CA', label: 'Caisse' },
      { code: 'HA', label: 'Achats' },
    ],
    // Exact takes numeric journals only: the cash journal CA goes to its own Exact journal 10 (Kas).
    exact: { journals: { CA: '10' } },
  };
}
