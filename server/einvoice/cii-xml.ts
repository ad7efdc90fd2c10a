/**
 * The UN/CEFACT Cross Industry Invoice (D16B) of an EN 16931 invoice: the `factur-x.xml` of a
 * Factur-X PDF, profile EN 16931 ("COMFORT"). Pure: EInvoice in, XML text out. Written by hand
 * rather than through a library because CII is a fixed element order over a few dozen elements,
 * and owning it keeps each business term one line away from its XML (the D16B XSD and the
 * EN 16931 + BR-FR schematrons in the tests decide whether it is right).
 */
import { D, type Dec } from '../../sync/money.ts';
import type { EInvoice, EInvoiceLine, EInvoiceVat, Party } from './en16931.ts';

/** BT-24 of the Factur-X EN 16931 profile. */
export const GUIDELINE_EN16931 = 'urn:cen.eu:en16931:2017';

const NS = [
  'xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"',
  'xmlns:qdt="urn:un:unece:uncefact:data:standard:QualifiedDataType:100"',
  'xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"',
  'xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"',
].join(' ');

export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const amount = (x: Dec) => (x.isZero() ? new D(0) : x).toFixed(2);
/** Prices and quantities: as many decimals as they have (6 for prices, 4 for quantities at most), no trailing zeros. */
const decimal = (x: Dec, max: number) => {
  const s = x.toDecimalPlaces(max).toFixed();
  return s === '-0' ? '0' : s;
};
const date102 = (iso: string) => iso.slice(0, 10).replace(/-/g, '');

function el(name: string, value: string | undefined, attrs = ''): string {
  return value === undefined || value === '' ? '' : `<${name}${attrs ? ` ${attrs}` : ''}>${xmlEscape(value)}</${name}>`;
}

function party(tag: string, p: Party): string {
  const a = p.address;
  return [
    `<ram:${tag}>`,
    p.siret ? el('ram:GlobalID', p.siret, 'schemeID="0009"') : '',
    el('ram:Name', p.name),
    p.siren ? `<ram:SpecifiedLegalOrganization>${el('ram:ID', p.siren, 'schemeID="0002"')}</ram:SpecifiedLegalOrganization>` : '',
    '<ram:PostalTradeAddress>',
    el('ram:PostcodeCode', a.postcode),
    el('ram:LineOne', a.line),
    el('ram:CityName', a.city),
    el('ram:CountryID', a.country),
    '</ram:PostalTradeAddress>',
    p.endpoint ? `<ram:URIUniversalCommunication>${el('ram:URIID', p.endpoint.id, `schemeID="${p.endpoint.scheme}"`)}</ram:URIUniversalCommunication>` : '',
    p.vatNumber ? `<ram:SpecifiedTaxRegistration>${el('ram:ID', p.vatNumber, 'schemeID="VA"')}</ram:SpecifiedTaxRegistration>` : '',
    `</ram:${tag}>`,
  ].join('');
}

function lineXml(l: EInvoiceLine, currency: string): string {
  void currency;
  const gross = l.grossPrice
    ? `<ram:GrossPriceProductTradePrice><ram:ChargeAmount>${decimal(l.grossPrice, 6)}</ram:ChargeAmount>${
        l.priceDiscount && l.priceDiscount.gt(0)
          ? `<ram:AppliedTradeAllowanceCharge><ram:ChargeIndicator><udt:Indicator>false</udt:Indicator></ram:ChargeIndicator><ram:ActualAmount>${decimal(l.priceDiscount, 6)}</ram:ActualAmount></ram:AppliedTradeAllowanceCharge>`
          : ''
      }</ram:GrossPriceProductTradePrice>`
    : '';
  return [
    '<ram:IncludedSupplyChainTradeLineItem>',
    `<ram:AssociatedDocumentLineDocument>${el('ram:LineID', l.id)}</ram:AssociatedDocumentLineDocument>`,
    `<ram:SpecifiedTradeProduct>${el('ram:SellerAssignedID', l.article)}${el('ram:Name', l.name)}</ram:SpecifiedTradeProduct>`,
    `<ram:SpecifiedLineTradeAgreement>${gross}<ram:NetPriceProductTradePrice><ram:ChargeAmount>${decimal(l.netPrice, 6)}</ram:ChargeAmount></ram:NetPriceProductTradePrice></ram:SpecifiedLineTradeAgreement>`,
    `<ram:SpecifiedLineTradeDelivery><ram:BilledQuantity unitCode="C62">${decimal(l.qty, 4)}</ram:BilledQuantity></ram:SpecifiedLineTradeDelivery>`,
    '<ram:SpecifiedLineTradeSettlement>',
    `<ram:ApplicableTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>${l.category}</ram:CategoryCode>${l.category === 'O' ? '' : `<ram:RateApplicablePercent>${decimal(l.rate, 2)}</ram:RateApplicablePercent>`}</ram:ApplicableTradeTax>`,
    `<ram:SpecifiedTradeSettlementLineMonetarySummation><ram:LineTotalAmount>${amount(l.amount)}</ram:LineTotalAmount></ram:SpecifiedTradeSettlementLineMonetarySummation>`,
    '</ram:SpecifiedLineTradeSettlement>',
    '</ram:IncludedSupplyChainTradeLineItem>',
  ].join('');
}

function vatXml(v: EInvoiceVat): string {
  return [
    '<ram:ApplicableTradeTax>',
    `<ram:CalculatedAmount>${amount(v.vat)}</ram:CalculatedAmount>`,
    '<ram:TypeCode>VAT</ram:TypeCode>',
    el('ram:ExemptionReason', v.exemptionReason),
    `<ram:BasisAmount>${amount(v.basis)}</ram:BasisAmount>`,
    `<ram:CategoryCode>${v.category}</ram:CategoryCode>`,
    el('ram:ExemptionReasonCode', v.exemptionCode),
    v.category === 'O' ? '' : `<ram:RateApplicablePercent>${decimal(v.rate, 2)}</ram:RateApplicablePercent>`,
    '</ram:ApplicableTradeTax>',
  ].join('');
}

export function ciiXml(e: EInvoice): string {
  const cur = xmlEscape(e.currency);
  const t = e.totals;
  const needsShipTo = e.vat.some((v) => v.category === 'K');
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<rsm:CrossIndustryInvoice ${NS}>`,
    '<rsm:ExchangedDocumentContext>',
    `<ram:BusinessProcessSpecifiedDocumentContextParameter>${el('ram:ID', e.businessProcess)}</ram:BusinessProcessSpecifiedDocumentContextParameter>`,
    `<ram:GuidelineSpecifiedDocumentContextParameter>${el('ram:ID', GUIDELINE_EN16931)}</ram:GuidelineSpecifiedDocumentContextParameter>`,
    '</rsm:ExchangedDocumentContext>',
    '<rsm:ExchangedDocument>',
    el('ram:ID', e.number),
    el('ram:TypeCode', e.typeCode),
    `<ram:IssueDateTime><udt:DateTimeString format="102">${date102(e.issueDate)}</udt:DateTimeString></ram:IssueDateTime>`,
    ...e.notes.map((n) => `<ram:IncludedNote>${el('ram:Content', n.text)}${el('ram:SubjectCode', n.subject)}</ram:IncludedNote>`),
    '</rsm:ExchangedDocument>',
    '<rsm:SupplyChainTradeTransaction>',
    ...e.lines.map((l) => lineXml(l, cur)),
    '<ram:ApplicableHeaderTradeAgreement>',
    party('SellerTradeParty', e.seller),
    party('BuyerTradeParty', e.buyer),
    '</ram:ApplicableHeaderTradeAgreement>',
    '<ram:ApplicableHeaderTradeDelivery>',
    // Intra-EU supplies must name the country delivered to (BR-IC-12): the buyer's.
    needsShipTo ? `<ram:ShipToTradeParty><ram:PostalTradeAddress>${el('ram:CountryID', e.buyer.address.country)}</ram:PostalTradeAddress></ram:ShipToTradeParty>` : '',
    `<ram:ActualDeliverySupplyChainEvent><ram:OccurrenceDateTime><udt:DateTimeString format="102">${date102(e.deliveryDate)}</udt:DateTimeString></ram:OccurrenceDateTime></ram:ActualDeliverySupplyChainEvent>`,
    '</ram:ApplicableHeaderTradeDelivery>',
    '<ram:ApplicableHeaderTradeSettlement>',
    el('ram:InvoiceCurrencyCode', e.currency),
    '<ram:SpecifiedTradeSettlementPaymentMeans>',
    el('ram:TypeCode', e.payment.meansCode),
    el('ram:Information', e.payment.meansText),
    e.payment.iban ? `<ram:PayeePartyCreditorFinancialAccount>${el('ram:IBANID', e.payment.iban)}</ram:PayeePartyCreditorFinancialAccount>` : '',
    '</ram:SpecifiedTradeSettlementPaymentMeans>',
    ...e.vat.map(vatXml),
    `<ram:SpecifiedTradePaymentTerms>${el('ram:Description', e.payment.terms)}<ram:DueDateDateTime><udt:DateTimeString format="102">${date102(e.payment.dueDate)}</udt:DateTimeString></ram:DueDateDateTime></ram:SpecifiedTradePaymentTerms>`,
    '<ram:SpecifiedTradeSettlementHeaderMonetarySummation>',
    `<ram:LineTotalAmount>${amount(t.lines)}</ram:LineTotalAmount>`,
    `<ram:TaxBasisTotalAmount>${amount(t.taxBasis)}</ram:TaxBasisTotalAmount>`,
    `<ram:TaxTotalAmount currencyID="${cur}">${amount(t.vat)}</ram:TaxTotalAmount>`,
    t.rounding.isZero() ? '' : `<ram:RoundingAmount>${amount(t.rounding)}</ram:RoundingAmount>`,
    `<ram:GrandTotalAmount>${amount(t.grand)}</ram:GrandTotalAmount>`,
    `<ram:TotalPrepaidAmount>${amount(t.prepaid)}</ram:TotalPrepaidAmount>`,
    `<ram:DuePayableAmount>${amount(t.due)}</ram:DuePayableAmount>`,
    '</ram:SpecifiedTradeSettlementHeaderMonetarySummation>',
    e.preceding
      ? `<ram:InvoiceReferencedDocument>${el('ram:IssuerAssignedID', e.preceding.number)}${e.preceding.date ? `<ram:FormattedIssueDateTime><qdt:DateTimeString format="102">${date102(e.preceding.date)}</qdt:DateTimeString></ram:FormattedIssueDateTime>` : ''}</ram:InvoiceReferencedDocument>`
      : '',
    '</ram:ApplicableHeaderTradeSettlement>',
    '</rsm:SupplyChainTradeTransaction>',
    '</rsm:CrossIndustryInvoice>',
  ];
  return out.filter(Boolean).join('\n') + '\n';
}
