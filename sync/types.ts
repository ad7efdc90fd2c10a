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
  /** What selling it is for VAT and on invoices (décret 2022-1299 operation category); absent = goods. */
  category?: OperationCategory;
}

/** Livraison de biens / prestation de services (décret 2022-1299: the invoice says which, or both). */
export type OperationCategory = 'goods' | 'services';

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
  /** A business customer's SIREN (9 digits): printed on its invoices (décret 2022-1299); deposits of such customers get a deposit invoice. */
  siren?: string;
  /** Intra-EU VAT number of a business customer (CGI ann. II 242 nonies A I-2°). */
  vatNumber?: string;
  /** Delivery address when it differs from the billing address (décret 2022-1299). */
  deliveryAddress?: string;
  /** A deposit invoice even without a SIREN (deposit invoices "on request"). */
  depositInvoices?: boolean;
  /**
   * A named private customer, not subject to VAT (an account at the shop): its sales are B2C,
   * e-reported like the counter customer's, and its invoices are plain PDF/A, not Factur-X.
   */
  consumer?: boolean;
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
  /** Line amounts after rounding and discount: incl = excl + vat = round(qty × unitPrice) − discount.amount. */
  inclVat: MoneyText;
  exclVat: MoneyText;
  vat: MoneyText;
  /** A line discount (absent on older tickets and undiscounted lines: their hash is unchanged). */
  discount?: LineDiscount;
  /** A returned line: the ticket id of the sale it returns (the credit note cites that sale's invoice, CGI 289-I-5). */
  returnOf?: string;
}

/**
 * Discount on one line, including VAT: `amount` is taken off qty × unitPrice, with the sign of the
 * line (negative on a returned line). `percent` says how the cashier gave it (absent: an amount).
 */
export interface LineDiscount {
  percent?: string;
  amount: MoneyText;
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
  /** Deposit: what the order is for (VAT on a deposit is due on receipt for services, at delivery for goods); absent = goods. */
  category?: OperationCategory;
  /** Deposit on services: the VAT code of the order (its VAT is due on the deposit, CGI 269-2-c). */
  vatCode?: string;
  /** Deposit: the customer asked for a deposit invoice (customers with a SIREN always get one). */
  invoice?: boolean;
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
  /**
   * Sold in training mode: numbered in its own series (id `…-F00000001`), kept apart on the till,
   * never closed, packaged, replicated, integrated or exported; intake refuses it. Absent on real sales.
   */
  training?: true;
  /** A cancellation: the id of the ticket this negative ticket cancels (a ticket is never deleted). */
  cancels?: string;
  /** Rules the till applied (decimals, VAT on line or total); the server recomputes with them. */
  rounding: Pick<RoundingRules, 'decimals' | 'vatOn'>;
  prevHash: string;
  hash: string;
}

/** What a closure closes: a business day (Z), a month, or a fiscal year (the calendar year). */
export type ClosureKind = 'day' | 'month' | 'year';

/**
 * A closure: Z report of a day, or the monthly / fiscal-year closure that sums the closures of the
 * kind below it (NF525). The fields after `grandTotal` are the signed seal (sync/seal.ts); closures
 * made before signing existed lack them and are read as day closures.
 */
export interface Closure {
  id: string; // `${store}-${till}-Z|M|A${seq padded}`
  store: StoreCode;
  till: TillCode;
  /** Position in the chain of its kind (day, month and year each number from 1). */
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
  /** Absent on closures made before the law's fields existed: a day closure. */
  kind?: ClosureKind;
  /** The period closed: YYYY-MM-DD (day), YYYY-MM (month), YYYY (fiscal year). */
  period?: string;
  /** Total of the fiscal year so far, this closure included (cumulative total). */
  yearTotal?: MoneyText;
  /** Σ |ticket total| of the period: returns do not lower it. */
  totalAbs?: MoneyText;
  /** Perpetual grand total in absolute value: Σ totalAbs since the till was initialised. */
  grandTotalAbs?: MoneyText;
  /** Hash of the last ticket covered (or the chain's head when none): anchors the ticket chain in the signature. */
  lastTicketHash?: string;
  /** Month and year closures: the seq range of the closures of the kind below that they sum. */
  covers?: { kind: ClosureKind; fromSeq: number; toSeq: number } | null;
  /** Hash of the previous closure of the same kind ('0'×64 for the first): the closures' own chain. */
  prevHash?: string;
  /** The signing key (sync/till-keys.ts): id and fingerprint as printed on the closure. */
  keyId?: string;
  keyFingerprint?: string;
  hash: string;
  /** Ed25519 signature of `hash` by the till's key, base64. */
  signature?: string;
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
  /** SIRET of the store (SIREN + 5-digit establishment number). */
  siret?: string;
  /** Forme juridique as printed: SARL, SAS, SA, EURL, EI… (Code de commerce R123-237). */
  legalForm?: string;
  /** Share capital, decimal text in euros (R123-237 for companies). */
  shareCapital?: string;
  /** City of the RCS registry the company is registered at ("RCS Paris", R123-237). */
  rcsCity?: string;
  /** Payment terms printed on invoices (L441-9); default: on receipt. */
  paymentTerms?: string;
  /** Late-payment penalty rate text (L441-10); default: ECB rate + 10 points. */
  latePenalty?: string;
}
