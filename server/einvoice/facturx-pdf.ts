/**
 * Factur-X 1.0 (= ZUGFeRD 2.x), profile EN 16931: the invoice PDF as PDF/A-3b with its CII XML
 * embedded as `factur-x.xml` (AFRelationship Alternative, MIME text/xml, listed in the catalog's
 * /AF) and the Factur-X XMP extension schema (fx: DocumentType, DocumentFileName, Version,
 * ConformanceLevel) declared through pdfaExtension so PDF/A validators accept the fx: properties.
 */
import type { BaseData } from '../../sync/types.ts';
import type { InvoiceView } from '../exports/invoice-model.ts';
import { renderInvoicePdf } from '../exports/invoice-pdf.ts';
import { eInvoiceOf, type EInvoice } from './en16931.ts';
import { ciiXml } from './cii-xml.ts';

export const FACTURX_FILE = 'factur-x.xml';
export const FACTURX_NS = 'urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#';
export const FACTURX_LEVEL = 'EN 16931';

const FX_PROPERTIES: [string, string][] = [
  ['DocumentFileName', 'The name of the embedded XML document'],
  ['DocumentType', 'The type of the hybrid document in capital letters, e.g. INVOICE or ORDER'],
  ['Version', 'The actual version of the standard applying to the embedded XML document'],
  ['ConformanceLevel', 'The conformance level of the embedded XML document'],
];

export function facturXXmp(level = FACTURX_LEVEL): string {
  const props = FX_PROPERTIES.map(([name, description]) => `<rdf:li rdf:parseType="Resource"><pdfaProperty:name>${name}</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType><pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>${description}</pdfaProperty:description></rdf:li>`).join('');
  return [
    '<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">',
    `<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource"><pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema><pdfaSchema:namespaceURI>${FACTURX_NS}</pdfaSchema:namespaceURI><pdfaSchema:prefix>fx</pdfaSchema:prefix><pdfaSchema:property><rdf:Seq>${props}</rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas>`,
    '</rdf:Description>',
    `<rdf:Description rdf:about="" xmlns:fx="${FACTURX_NS}"><fx:DocumentType>INVOICE</fx:DocumentType><fx:DocumentFileName>${FACTURX_FILE}</fx:DocumentFileName><fx:Version>1.0</fx:Version><fx:ConformanceLevel>${level}</fx:ConformanceLevel></rdf:Description>`,
  ].join('\n');
}

/** Attaches the XML and declares it in the XMP; call before doc.end(). */
export function embedFacturX(doc: PDFKit.PDFDocument, xml: string, at: Date): void {
  // pdfkit 0.17 writes /AFRelationship from `relationship`; @types/pdfkit does not know the option yet.
  const options = { name: FACTURX_FILE, type: 'text/xml', relationship: 'Alternative', description: 'Factur-X invoice (EN 16931, UN/CEFACT CII D16B)', creationDate: at, modifiedDate: at };
  doc.file(Buffer.from(xml, 'utf8'), options as PDFKit.Mixins.PDFAttachmentOptions);
  doc.appendXML(facturXXmp());
}

export interface FacturX {
  einvoice: EInvoice;
  xml: string;
  pdf: Buffer;
}

/** The Factur-X of one invoice or credit note: the EN 16931 data, its XML and the PDF/A-3 carrying it. */
export async function renderFacturX(view: InvoiceView, base: Pick<BaseData, 'company' | 'customers' | 'vatRates' | 'paymentModes'>): Promise<FacturX> {
  const einvoice = eInvoiceOf(view, base);
  const xml = ciiXml(einvoice);
  const pdf = await renderInvoicePdf(view, { beforeEnd: (doc) => embedFacturX(doc, xml, new Date(`${einvoice.issueDate}T12:00:00Z`)) });
  return { einvoice, xml, pdf };
}

/** Business customers get Factur-X; consumers (the counter customer) a plain PDF/A. Delivery notes are not invoices. */
export function wantsFacturX(view: InvoiceView): boolean {
  return view.customer.professional && view.kind !== 'delivery-note';
}
