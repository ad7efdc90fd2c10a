/**
 * The B2C e-reporting file of the French reform: Flux 10 of the DGFiP/AIFE external specifications
 * (schemas flux10 v1.0, `ereporting.xsd`; rules "Annexe 7" v1.8, schematron PPF_Flux10_v1_0).
 * Pure: aggregated figures in, XML out. One file carries ONE report (rule G6.29): either the
 * transactions (10.3: per day, category and VAT rate) or the payments (10.4: money collected for
 * services whose VAT is due on collection). The sender is the platform (PDP) that forwards it
 * (scheme 0238, its 4-character number, role WK); the declarant is the shop (SIREN, role SE).
 */
import { D, type Dec } from '../../sync/money.ts';
import { xmlEscape } from './cii-xml.ts';

/** TT-81: goods, services, not taxable in France, margin scheme. */
export type TransactionCategory = 'TLB1' | 'TPS1' | 'TNT1' | 'TMA1';

export interface DayTransactions {
  day: string; // YYYY-MM-DD
  category: TransactionCategory;
  /** UNTDID 2475 / 2005: 72 = VAT due on collection (services), omitted otherwise. */
  taxDueDateTypeCode?: string;
  count: number;
  rates: { rate: Dec; base: Dec; vat: Dec }[];
}

export interface DayPayments {
  day: string;
  rates: { rate: Dec; amount: Dec }[];
}

export interface ReportHeader {
  /** TT-1: ≤ 50 characters, letters, digits, - _ . */
  id: string;
  name: string;
  issuedAt: Date;
  /** IN (initial) or RE (corrective). */
  typeCode: 'IN' | 'RE';
  platform: { id: string; name: string };
  declarant: { siren: string; name: string };
  period: { from: string; to: string };
  currency: string;
}

const d8 = (iso: string) => iso.slice(0, 10).replace(/-/g, '');
const stamp = (t: Date) => t.toISOString().replace(/[-:T]/g, '').slice(0, 14);
const amt = (x: Dec) => (x.isZero() ? new D(0) : x).toFixed(2);
const pct = (x: Dec) => x.toDecimalPlaces(2).toFixed();
const el = (n: string, v: string, attrs = '') => `<${n}${attrs}>${xmlEscape(v)}</${n}>`;

function head(h: ReportHeader): string[] {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<Report>',
    '<ReportDocument>',
    el('Id', h.id),
    el('Name', h.name),
    `<IssueDateTime>${el('DateTimeString', stamp(h.issuedAt))}</IssueDateTime>`,
    el('TypeCode', h.typeCode),
    `<Sender>${el('Id', h.platform.id, ' schemeId="0238"')}${el('Name', h.platform.name)}${el('RoleCode', 'WK')}</Sender>`,
    `<Issuer>${el('Id', h.declarant.siren, ' schemeId="0002"')}${el('Name', h.declarant.name)}${el('RoleCode', 'SE')}</Issuer>`,
    '</ReportDocument>',
  ];
}

const period = (h: ReportHeader) => `<ReportPeriod>${el('StartDate', d8(h.period.from))}${el('EndDate', d8(h.period.to))}</ReportPeriod>`;

/** Flux 10.3: the period's B2C transactions, one block per day and category with its VAT split. */
export function transactionsReportXml(h: ReportHeader, days: DayTransactions[]): string {
  const blocks = days.map((t) => {
    const base = t.rates.reduce((a, r) => a.plus(r.base), new D(0));
    const vat = t.rates.reduce((a, r) => a.plus(r.vat), new D(0));
    return [
      '<Transactions>',
      el('Date', d8(t.day)),
      el('TransactionsCurrency', h.currency),
      t.taxDueDateTypeCode ? el('TaxDueDateTypeCode', t.taxDueDateTypeCode) : '',
      el('CategoryCode', t.category),
      el('TaxExclusiveAmount', amt(base)),
      el('TaxTotal', amt(vat)),
      el('TransactionsCount', String(t.count)),
      ...t.rates.map((r) => `<TaxSubtotal>${el('TaxPercent', pct(r.rate))}${el('TaxableAmount', amt(r.base))}${el('TaxTotal', amt(r.vat))}</TaxSubtotal>`),
      '</Transactions>',
    ].join('');
  });
  return [...head(h), '<TransactionsReport>', period(h), ...blocks, '</TransactionsReport>', '</Report>'].join('\n') + '\n';
}

/** Flux 10.4: money collected per day and VAT rate for B2C services taxed on collection. */
export function paymentsReportXml(h: ReportHeader, days: DayPayments[]): string {
  const blocks = days.map((p) => `<Transactions><Payment>${el('Date', d8(p.day))}${p.rates.map((r) => `<SubTotals>${el('TaxPercent', pct(r.rate))}${el('CurrencyCode', h.currency)}${el('Amount', amt(r.amount))}</SubTotals>`).join('')}</Payment></Transactions>`);
  return [...head(h), '<PaymentsReport>', period(h), ...blocks, '</PaymentsReport>', '</Report>'].join('\n') + '\n';
}
