/**
 * An invoice as the European semantic standard EN 16931 sees it (business terms BT-x / BG-x),
 * built from what the invoice PDF shows. Pure: an InvoiceView and the base data in, an EInvoice
 * out — or ONE TillsyncError naming the document and what is missing. The syntax (CII) is
 * cii-xml.ts's job; the figures here are already what the XML states, and they tie out: Σ lines
 * = BT-106, BT-109 + BT-110 = BT-112, BT-112 − BT-113 + BT-114 = BT-115, each VAT basis = Σ its
 * lines (BR-S-08), and the totals equal the document's own (checked before returning).
 */
import { D, type Dec } from '../../sync/money.ts';
import { TillsyncError } from '../../sync/errors.ts';
import type { BaseData, Customer, PaymentMode, VatRate } from '../../sync/types.ts';
import type { InvoiceLineView, InvoiceView } from '../exports/invoice-model.ts';

/** UNCL 5305 VAT categories a French shop meets. */
export type VatCategory = 'S' | 'Z' | 'E' | 'AE' | 'K' | 'G' | 'O';

export interface PostalAddress {
  line: string;
  postcode: string;
  city: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

export interface Party {
  name: string;
  /** BT-30 / BT-47, scheme 0002. */
  siren?: string;
  /** BT-29 / BT-46, scheme 0009. */
  siret?: string;
  /** BT-31 / BT-48. */
  vatNumber?: string;
  /** BT-34 / BT-49: 0225 = the French directory's SIREN-based address, EM = e-mail. */
  endpoint?: { scheme: '0225' | 'EM'; id: string };
  address: PostalAddress;
}

export interface EInvoiceLine {
  id: string;
  article?: string;
  name: string;
  /** BT-129, 4 decimals at most. */
  qty: Dec;
  /** BT-146: net unit price excluding VAT, ≥ 0. */
  netPrice: Dec;
  /** BT-148 and BT-147: list price excluding VAT and the discount on it, when the line had one. */
  grossPrice?: Dec;
  priceDiscount?: Dec;
  category: VatCategory;
  rate: Dec;
  /** BT-131 = the line's amount excluding VAT. */
  amount: Dec;
}

export interface EInvoiceVat {
  category: VatCategory;
  rate: Dec;
  basis: Dec;
  vat: Dec;
  exemptionCode?: string;
  exemptionReason?: string;
}

export interface EInvoice {
  number: string;
  /** UNTDID 1001: 380 invoice, 381 credit note, 386 deposit (prepayment) invoice. */
  typeCode: '380' | '381' | '386';
  /** BT-2 and BT-72 (the invoice date and the sale/delivery date), YYYY-MM-DD. */
  issueDate: string;
  deliveryDate: string;
  currency: string;
  /** BT-23, the French "cadre de facturation": B/S/M (goods, services, both) × 1 (plain), 2 (already paid), 4 (final after a deposit). */
  businessProcess: string;
  /** BG-1: subject code (UNTDID 4451) and text. */
  notes: { subject: string; text: string }[];
  seller: Party;
  buyer: Party;
  /** BG-3: on credit notes the invoice corrected, on a final invoice the deposit invoice, on a complementary document the ordinary one (the Factur-X EN 16931 profile carries one; the others go in a note). */
  preceding?: { number: string; date?: string };
  lines: EInvoiceLine[];
  vat: EInvoiceVat[];
  payment: { meansCode: string; meansText: string; iban?: string; terms: string; dueDate: string };
  totals: { lines: Dec; taxBasis: Dec; vat: Dec; grand: Dec; prepaid: Dec; rounding: Dec; due: Dec };
}

/** Identifiers of a party; SIREN, SIRET and VAT number come from the invoice model, e-mail and country are optional base-data fields only the e-invoice reads. */
export interface PartyExtras {
  siren?: string;
  siret?: string;
  vatNumber?: string;
  email?: string;
  country?: string;
}
export interface VatRateExtras {
  /** Default: S when the rate is above 0; a 0 % rate must say which (Z, E, AE, K, G, O). */
  category?: VatCategory;
  exemptionCode?: string;
  exemptionReason?: string;
}
/** Optional company fields only the e-invoice reads (payment by transfer, electronic address). */
interface CompanyExtras {
  iban?: string;
  email?: string;
}

/** A deposit on goods: no VAT on receipt (CGI 269-2-a, due at delivery), stated as an exemption with its reason. */
const DEPOSIT_ON_GOODS: VatRate & VatRateExtras = { code: '', rate: '0', label: 'Acompte sur livraison de biens', category: 'E', exemptionReason: 'TVA exigible à la livraison des biens (art. 269-2-a du CGI)' };

/** An exempt sale the view names the category of (marketplace exports G, intra-EU supplies K): reason from EXEMPTION_DEFAULTS. */
const exemptRate = (category: 'G' | 'K'): VatRate & VatRateExtras => ({ code: '', rate: '0', label: '', category });

const frDate = (d: string) => `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}`;

/** VATEX codes and the French legal wording when the VAT table gives none. */
const EXEMPTION_DEFAULTS: Partial<Record<VatCategory, { code: string; reason: string }>> = {
  AE: { code: 'VATEX-EU-AE', reason: 'Autoliquidation' },
  K: { code: 'VATEX-EU-IC', reason: 'Exonération de TVA, article 262 ter I du CGI' },
  G: { code: 'VATEX-EU-G', reason: 'Exonération de TVA, article 262 I du CGI' },
  O: { code: 'VATEX-EU-O', reason: 'Non soumis à la TVA' },
};

/** UNCL 4461 payment means per payment mode code (payment modes may carry their own). */
const MEANS_BY_MODE: Record<string, { code: string; text: string }> = {
  ESP: { code: '10', text: 'Espèces' },
  CB: { code: '48', text: 'Carte bancaire' },
  CHQ: { code: '20', text: 'Chèque' },
};

export const PMT_NOTE = 'Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 € (art. D441-5 du Code de commerce).';
export const PMD_NOTE = "Pénalités de retard : taux d'intérêt de la BCE à son opération de refinancement la plus récente majoré de 10 points (art. L441-10 du Code de commerce).";
export const AAB_NOTE = "Pas d'escompte pour paiement anticipé.";

function refuse(number: string, message: string, hint: string): TillsyncError {
  return new TillsyncError('einvoice-data', `e-invoice ${number}: ${message}`, { hint });
}

/** "12 rue du Commerce, 75015 Paris" → line, postcode, city (the base data keeps one text). */
export function parseAddress(text: string | null | undefined, country = 'FR'): PostalAddress {
  const t = (text ?? '').trim();
  const cut = t.lastIndexOf(',');
  const line = cut >= 0 ? t.slice(0, cut).trim() : '';
  const rest = cut >= 0 ? t.slice(cut + 1).trim() : t;
  const m = /^(\d{4,5})\s+(.+)$/.exec(rest);
  return { line: line || (m ? '' : rest), postcode: m?.[1] ?? '', city: m?.[2] ?? (line ? rest : ''), country };
}

const digits = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, '');

function partyOf(name: string, address: string | null | undefined, ids: PartyExtras): Party {
  const siren = /^\d{9}$/.test(digits(ids.siren)) ? digits(ids.siren) : /^\d{14}$/.test(digits(ids.siret)) ? digits(ids.siret).slice(0, 9) : undefined;
  const siret = /^\d{14}$/.test(digits(ids.siret)) ? digits(ids.siret) : undefined;
  const vatNumber = ids.vatNumber ? digits(ids.vatNumber).toUpperCase() : undefined;
  const endpoint = siren ? { scheme: '0225' as const, id: siren } : ids.email ? { scheme: 'EM' as const, id: ids.email } : undefined;
  return { name, siren, siret, vatNumber, endpoint, address: parseAddress(address, ids.country ?? 'FR') };
}

/** A price excluding VAT, kept to 6 decimals at most (BR-FR-DEC-03), trailing zeros trimmed. */
function unitPrice(x: Dec): Dec {
  return x.toDecimalPlaces(6);
}

export function categoryOf(rate: Dec, vr: (VatRate & VatRateExtras) | undefined, number: string): { category: VatCategory; exemptionCode?: string; exemptionReason?: string } {
  const category = vr?.category ?? (rate.gt(0) ? 'S' : undefined);
  if (!category) throw refuse(number, `VAT code ${vr?.code ?? '?'} has a 0 % rate but no VAT category`, 'set "category" (Z, E, AE, K, G or O) and, for E, "exemptionReason" on that VAT rate in the base data');
  if (category === 'S' && rate.lte(0)) throw refuse(number, `VAT code ${vr?.code} is category S with a 0 % rate`, 'give it its rate, or category Z/E/AE/K/G/O');
  if (category !== 'S' && !rate.isZero()) throw refuse(number, `VAT code ${vr?.code} is category ${category} but has a ${rate} % rate`, 'only category S carries a rate above 0');
  if (category === 'S' || category === 'Z') return { category };
  const d = EXEMPTION_DEFAULTS[category];
  const exemptionCode = vr?.exemptionCode ?? d?.code;
  const exemptionReason = vr?.exemptionReason ?? d?.reason;
  if (!exemptionCode && !exemptionReason) throw refuse(number, `VAT code ${vr?.code} is exempt (E) without an exemption reason`, 'set "exemptionReason" (e.g. "Exonération de TVA, article 261 du CGI") on that VAT rate');
  return { category, exemptionCode, exemptionReason };
}

/** Puts the cents between Σ line amounts and the document's VAT basis of a rate on that rate's largest line (the "first line" rounding rule). */
function alignLines(lines: EInvoiceLine[], basis: Dec, key: string): void {
  const mine = lines.filter((l) => `${l.category}/${l.rate.toString()}` === key);
  if (!mine.length) return;
  const diff = basis.minus(mine.reduce((a, l) => a.plus(l.amount), new D(0)));
  if (diff.isZero()) return;
  const big = mine.reduce((a, l) => (l.amount.abs().gt(a.amount.abs()) ? l : a));
  big.amount = big.amount.plus(diff);
  if (!big.qty.isZero()) big.netPrice = unitPrice(big.amount.dividedBy(big.qty).abs());
}

/**
 * The EN 16931 invoice of one document. Credit notes (381) state their amounts positive (the
 * credit given), as the standard expects; the document's own amounts are negative.
 */
export function eInvoiceOf(view: InvoiceView, base: Pick<BaseData, 'company' | 'customers' | 'vatRates' | 'paymentModes'>): EInvoice {
  const v = view;
  const number = v.number;
  if (v.kind === 'delivery-note') throw refuse(number, 'a delivery note is not an invoice', 'e-invoice the invoice made for it at the end of the period');
  const typeCode = v.kind === 'credit-note' ? '381' : v.kind === 'deposit-invoice' ? '386' : '380';
  const sign = new D(typeCode === '381' ? -1 : 1);
  const company = base.company as typeof base.company & CompanyExtras;
  const customer = base.customers.find((c) => c.code === v.customer.code) as (Customer & PartyExtras) | undefined;
  // A deposit on goods carries no VAT: it is due at delivery (CGI 269-2-a), on the final invoice.
  const depositNoVat = v.kind === 'deposit-invoice' && v.vat.length === 0;
  const vatByCode = new Map(base.vatRates.map((r) => [r.code, r as VatRate & VatRateExtras]));
  const vatByRate = new Map(base.vatRates.filter((r) => !(r as VatRateExtras).category || (r as VatRateExtras).category === 'S').map((r) => [new D(r.rate).toString(), r as VatRate & VatRateExtras]));

  const seller = partyOf(company.name, company.address, { siren: company.siren, siret: company.siret, vatNumber: company.vatNumber, email: company.email });
  if (!seller.siren) throw refuse(number, `the company SIREN "${company.siren}" is not 9 digits`, 'set company.siren in the base data');
  // The model's identities (validated by legal-invoices); e-mail and country are base-data extras.
  const buyer = partyOf(v.customer.name, v.customer.address, { siren: v.customer.siren ?? undefined, vatNumber: v.customer.vatNumber ?? undefined, siret: customer?.siret, email: customer?.email ?? v.customer.email, country: customer?.country ?? v.customer.country });

  // Lines: the document's, signed for the type; prices excluding VAT as line-pricing.ts computes them.
  const lines: EInvoiceLine[] = v.lines.map((l: InvoiceLineView, i) => {
    const rate = new D(l.vatRate);
    const vr = depositNoVat ? DEPOSIT_ON_GOODS : l.vatCategory ? exemptRate(l.vatCategory) : (l.vatCode ? vatByCode.get(l.vatCode) : undefined) ?? vatByRate.get(rate.toString());
    const { category } = categoryOf(rate, vr, number);
    const qty = new D(l.qty).times(sign);
    const amount = new D(l.netExcl).times(sign);
    const netPrice = unitPrice(new D(l.netUnitPriceExcl).abs());
    const line: EInvoiceLine = { id: String(i + 1), article: l.article || undefined, name: l.label, qty, netPrice, category, rate, amount };
    if (l.discount) {
      // BT-148 the list price, BT-147 what takes it to the net one, so BT-146 = BT-148 − BT-147 holds to the digit.
      line.grossPrice = unitPrice(new D(l.unitPriceExcl).abs());
      line.priceDiscount = line.grossPrice.minus(netPrice);
      if (line.priceDiscount.lt(0)) {
        line.grossPrice = undefined;
        line.priceDiscount = undefined;
      }
    }
    return line;
  });
  if (!lines.length) throw refuse(number, 'the document has no lines', 'an e-invoice needs at least one line (BR-16)');

  // VAT breakdown: one row per category and rate, from the document's VAT lines.
  const vatRows = new Map<string, EInvoiceVat>();
  const vatLines = depositNoVat ? [{ code: '', rate: '0', base: v.totals.excl, vat: '0.00', incl: v.totals.incl }] : v.vat;
  for (const r of vatLines) {
    const rate = new D(r.rate);
    const vr = depositNoVat ? DEPOSIT_ON_GOODS : r.vatCategory ? exemptRate(r.vatCategory) : vatByCode.get(r.code) ?? vatByRate.get(rate.toString());
    const c = categoryOf(rate, vr, number);
    const key = `${c.category}/${rate.toString()}`;
    const row = vatRows.get(key) ?? { category: c.category, rate, basis: new D(0), vat: new D(0), exemptionCode: c.exemptionCode, exemptionReason: c.exemptionReason };
    row.basis = row.basis.plus(new D(r.base).times(sign));
    row.vat = row.vat.plus(new D(r.vat).times(sign));
    vatRows.set(key, row);
  }
  for (const [key, row] of vatRows) alignLines(lines, row.basis, key);
  for (const l of lines) {
    const key = `${l.category}/${l.rate.toString()}`;
    if (!vatRows.has(key)) throw refuse(number, `line ${l.id} (${l.name}) is at ${l.category} ${l.rate} % but the document has no VAT line for it`, 'integrate the document again');
  }
  const vat = [...vatRows.values()].sort((a, b) => b.rate.comparedTo(a.rate) || a.category.localeCompare(b.category));

  const lineTotal = lines.reduce((a, l) => a.plus(l.amount), new D(0));
  const taxBasis = lineTotal;
  const vatTotal = vat.reduce((a, r) => a.plus(r.vat), new D(0));
  const grand = taxBasis.plus(vatTotal);
  const payable = new D(v.totals.incl).times(sign);
  const rounding = payable.minus(grand);
  const modes = new Map(base.paymentModes.map((m) => [m.code, m as PaymentMode & { uncl4461?: string }]));
  // BT-113 as the model counts it: settled at the till (a credit note: refunded), plus the deposits deducted ("acompte déjà versé").
  const deducted = v.deposits.reduce((a, d) => a.plus(d.amount), new D(0));
  const prepaid = new D(v.paid).plus(deducted);
  const due = grand.minus(prepaid).plus(rounding);

  // Tie-out with the document: a difference means the document and its VAT lines disagree.
  const docExcl = new D(v.totals.excl).times(sign);
  if (!taxBasis.equals(docExcl)) throw refuse(number, `Σ lines excl. VAT ${taxBasis.toFixed(2)} ≠ document total excl. VAT ${docExcl.toFixed(2)}`, 'the document and its VAT lines disagree: run tillsync server check');
  if (!vatTotal.equals(new D(v.totals.vat).times(sign))) throw refuse(number, `Σ VAT ${vatTotal.toFixed(2)} ≠ document VAT ${v.totals.vat}`, 'the document and its VAT lines disagree: run tillsync server check');
  if (rounding.abs().gt(new D('0.05'))) throw refuse(number, `rounding of ${rounding.toFixed(2)} between the VAT lines and the total`, 'the document and its VAT lines disagree: run tillsync server check');
  // BT-115 is what was due when the invoice was issued. Once posted, the view's `due` follows the
  // ledger (later bank or till payments lower it), so it is only comparable while it comes from the tickets.
  if (typeCode !== '381' && v.dueSource === 'tickets' && !due.equals(new D(v.due))) throw refuse(number, `amount due ${due.toFixed(2)} ≠ document's ${v.due}`, 'check the payments of its tickets');

  // Payment: the mode that paid most, else what is left to pay by transfer.
  const payments = v.tickets.flatMap((t) => t.payments).filter((p) => !modes.get(p.mode)?.credit && !modes.get(p.mode)?.depositVoucher && new D(p.amount).abs().gt(0));
  const main = payments.sort((a, b) => new D(b.amount).abs().comparedTo(new D(a.amount).abs()))[0];
  const issueDate = v.invoiceDate;
  const deliveryDate = v.saleDate;
  let payment: EInvoice['payment'];
  if (due.gt(0) || !main) {
    payment = company.iban
      ? { meansCode: '58', meansText: 'Virement SEPA', iban: company.iban.replace(/\s+/g, ''), terms: 'Paiement à réception de facture', dueDate: issueDate }
      : { meansCode: '1', meansText: 'Virement, chèque ou espèces', terms: 'Paiement à réception de facture', dueDate: issueDate };
  } else {
    const m = modes.get(main.mode);
    const known = m?.uncl4461 ? { code: m.uncl4461, text: m.label } : MEANS_BY_MODE[main.mode] ?? { code: '1', text: m?.label ?? main.mode };
    payment = { meansCode: known.code, meansText: known.text, terms: typeCode === '381' ? 'Avoir remboursé au ticket' : 'Facture acquittée au ticket', dueDate: issueDate };
  }

  const usedDeposit = v.deposits.length > 0;
  const letter = v.category === 'services' ? 'S' : v.category === 'both' ? 'M' : 'B';
  const step = typeCode === '380' && usedDeposit ? '4' : typeCode !== '381' && due.isZero() && prepaid.equals(grand.plus(rounding)) && rounding.isZero() ? '2' : '1';

  const notes = [
    { subject: 'PMT', text: PMT_NOTE },
    { subject: 'PMD', text: PMD_NOTE },
    { subject: 'AAB', text: AAB_NOTE },
  ];
  // BAR = B2B makes the buyer's SIREN mandatory (BR-FR-11): only said when it is known.
  if (buyer.siren) notes.push({ subject: 'BAR', text: 'B2B' });

  // BG-3: what this document refers back to. The profile holds one; every reference is also in a note.
  const refs: { number: string; date?: string }[] = [];
  if (typeCode === '381') refs.push(...v.corrects.map((r) => ({ number: r.number, date: r.invoiceDate })));
  for (const d of v.deposits) if (d.invoice) refs.push({ number: d.invoice.number, date: d.invoice.invoiceDate });
  if (v.complementOf) refs.push({ number: v.complementOf.number, date: v.complementOf.invoiceDate });
  const preceding = refs[0];
  if (typeCode === '381' && v.corrects.length) notes.push({ subject: 'AAI', text: `Avoir sur facture${v.corrects.length > 1 ? 's' : ''} ${v.corrects.map((r) => `n° ${r.number} du ${frDate(r.invoiceDate)}`).join(', ')}` });
  for (const d of v.deposits) notes.push({ subject: 'AAI', text: `Acompte déjà versé : ${d.amount} €${d.invoice ? ` (facture d'acompte n° ${d.invoice.number} du ${frDate(d.invoice.invoiceDate)})` : ''}` });
  if (v.complementOf) notes.push({ subject: 'AAI', text: `Facture complémentaire de la facture n° ${v.complementOf.number} du ${frDate(v.complementOf.invoiceDate)}` });
  if (v.deposit) notes.push({ subject: 'AAI', text: v.deposit.vatDue === 'delivery' ? `Acompte sur commande n° ${v.deposit.order} : TVA exigible à la livraison des biens` : `Acompte sur commande n° ${v.deposit.order} : TVA exigible à l'encaissement` });
  return {
    number, typeCode, issueDate, deliveryDate, currency: company.currency || 'EUR', businessProcess: `${letter}${step}`, notes, seller, buyer, preceding, lines, vat, payment,
    totals: { lines: lineTotal, taxBasis, vat: vatTotal, grand, prepaid, rounding, due },
  };
}
