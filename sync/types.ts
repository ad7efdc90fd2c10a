/**
 * Domain types shared by the till and the store server. Amounts are decimal text (see money.ts);
 * dates are ISO 8601 text. A ticket is immutable once sold: its chain hash covers every field here.
 */
import type { MoneyText, RoundingRules } from './money.ts';

export type StoreCode = string; // e.g. "S1"
export type TillCode = string; // two digits, e.g. "01"

export interface VatRate {
  /** Code as printed on tickets and mapped in accounting, e.g. "N" (normal). */
  code: string;
  /** Percent as decimal text: "20", "10", "5.5", "2.1", "0". */
  rate: string;
  label: string;
}

export interface Article {
  code: string;
  barcode: string;
  label: string;
  /** Unit price including VAT. */
  price: MoneyText;
  vatCode: string;
  /** Bumped whenever the article changes; base bundles apply only newer rows. */
  updatedAt?: string;
}

export interface Customer {
  code: string;
  name: string;
  /** Collective customer account (410000 / 411000). */
  account: string;
  /** Third-party (auxiliary) code, e.g. "0000002". */
  thirdParty: string;
  address?: string;
  /** The anonymous counter customer used when a ticket names nobody. */
  counter?: boolean;
}

export type SettlementState = string; // APV, BPV, CPV, EPV, C10, …

export interface PaymentMode {
  code: string; // ESP, CB, CHQ, CRED, ACP
  label: string;
  /** State given to the settlement item (effet) created for a payment in this mode. */
  state: SettlementState;
  /** Tickets paid in this mode become a delivery note instead of an invoice ("Générer un BL"). */
  deliveryNote: boolean;
  /** Credit sale: nothing is received, the receivable stays open in `state`. */
  credit: boolean;
  /** Deposit voucher: consumes a deposit previously paid on an order; reduces what is left to pay. */
  depositVoucher: boolean;
}

export interface TicketLine {
  article: string;
  label: string;
  /** Negative on returns. */
  qty: string;
  /** Unit price including VAT. */
  unitPrice: MoneyText;
  vatCode: string;
  vatRate: string;
  /** Line amounts after rounding: incl = excl + vat. */
  inclVat: MoneyText;
  exclVat: MoneyText;
  vat: MoneyText;
}

/**
 * Money a ticket takes that is not a sale of goods: paying an existing invoice (fully or partly,
 * "règlement de facture") or a deposit on a customer order ("acompte").
 */
export interface TicketSettlement {
  kind: 'invoice' | 'deposit';
  /** Invoice number or order number. */
  ref: string;
  amount: MoneyText;
}

export interface TicketPayment {
  mode: string;
  amount: MoneyText;
  /** For a deposit voucher: the order whose deposit is used. */
  ref?: string;
}

export interface VatTotal {
  vatCode: string;
  rate: string;
  base: MoneyText;
  vat: MoneyText;
  inclVat: MoneyText;
}

export interface TicketTotals {
  /** Goods: Σ line incl VAT. */
  inclVat: MoneyText;
  exclVat: MoneyText;
  vat: MoneyText;
  byVat: VatTotal[];
  /** Goods + settlements = Σ payments. */
  due: MoneyText;
}

export interface Ticket {
  /** `${store}-${till}-${number padded to 8}`: unique everywhere, the key of every dedupe. */
  id: string;
  store: StoreCode;
  till: TillCode;
  number: number;
  /** Moment of sale, ISO with offset, from the till's clock. */
  soldAt: string;
  /** Business day YYYY-MM-DD the ticket belongs to (the till's opened day). */
  day: string;
  customer: string;
  cashier?: string;
  lines: TicketLine[];
  settlements: TicketSettlement[];
  payments: TicketPayment[];
  totals: TicketTotals;
  /** Sold while the configured server did not answer. */
  degraded: boolean;
  /** Rules the till applied (decimals, VAT on line or total); the server recomputes with them. */
  rounding: Pick<RoundingRules, 'decimals' | 'vatOn'>;
  prevHash: string;
  hash: string;
}

/** Z report: the closure of a till's day. */
export interface Closure {
  id: string; // `${store}-${till}-Z${seq padded}`
  store: StoreCode;
  till: TillCode;
  seq: number;
  closedAt: string;
  day: string;
  firstNumber: number | null;
  lastNumber: number | null;
  ticketCount: number;
  byVat: VatTotal[];
  byMode: { mode: string; amount: MoneyText; count: number }[];
  total: MoneyText;
  /** Perpetual grand total since the till was initialised (NF525). */
  grandTotal: MoneyText;
  hash: string;
}

export type PackageKind = 'degraded' | 'untransferred';

export interface BaseData {
  vatRates: VatRate[];
  articles: Article[];
  customers: Customer[];
  paymentModes: PaymentMode[];
  company: Company;
}

export interface Company {
  name: string;
  /** First day of the financial year, MM-DD (default 01-01: the calendar year). FEC per year, Exact FinYear/FinPeriod. */
  fiscalYearStart?: string;
  /** Last day of the financial year, MM-DD; when given with fiscalYearStart, they must follow each other. */
  fiscalYearEnd?: string;
  siren: string;
  address: string;
  vatNumber: string;
  currency: string;
}
