/**
 * Renders an invoice, credit note, delivery note or deposit invoice as a PDF (pdfkit) with every
 * mention of docs/invoices.md: seller's name, legal form, share capital, address, SIREN/SIRET,
 * RCS + registry city and VAT number (Code de commerce R123-237, CGI ann. II 242 nonies A I-1°/2°);
 * number, invoice date and sale date (I-3°, I-7°); customer's name, own address, SIREN and VAT
 * number (I-2°, décret 2022-1299); operation category (décret 2022-1299); per line quantity, unit
 * price excluding VAT, discount and VAT rate (I-5°/6°); totals per rate; payment terms,
 * late-payment penalties and for professional customers the 40 € recovery indemnity (L441-9,
 * L441-10, D441-5); the invoice a credit note corrects (CGI 289-I-5); deposits and their VAT rule.
 */
import { D } from '../../sync/money.ts';
import type { InvoiceView } from './invoice-model.ts';
import { embedStandardFonts, escapeXmpInfo, pdfaOptions } from './pdfa.ts';

export interface RenderOptions {
  /** Called last, before the document is closed: the Factur-X writer attaches its XML here. */
  beforeEnd?: (doc: PDFKit.PDFDocument) => void;
}

const TITLES: Record<string, string> = { invoice: 'FACTURE', 'credit-note': 'AVOIR', 'delivery-note': 'BON DE LIVRAISON', 'deposit-invoice': "FACTURE D'ACOMPTE" };

/** The document's title: a complementary document says so. */
export function documentTitle(v: InvoiceView): string {
  const t = TITLES[v.kind] ?? 'FACTURE';
  if (!v.complementOf) return t;
  return v.kind === 'credit-note' ? 'AVOIR COMPLÉMENTAIRE' : v.kind === 'delivery-note' ? 'BON DE LIVRAISON COMPLÉMENTAIRE' : 'FACTURE COMPLÉMENTAIRE';
}

/** 1234.5 → "1 234,50" (French grouping with a plain space: the standard fonts have no narrow one). */
export function frAmount(text: string): string {
  const v = new D(text || 0).toFixed(2);
  const neg = v.startsWith('-');
  const [int, dec] = (neg ? v.slice(1) : v).split('.');
  return `${neg ? '-' : ''}${int.replace(/\B(?=(\d{3})+(?!\d))/g, ' ')},${dec}`;
}

/** A unit price with its own decimals (0.325 → "0,325", 1.5 → "1,50"). */
function frPrice(text: string): string {
  const [int, dec = '00'] = text.replace('-', '').split('.');
  return `${text.startsWith('-') ? '-' : ''}${int.replace(/\B(?=(\d{3})+(?!\d))/g, ' ')},${dec.padEnd(2, '0')}`;
}

export function frDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
}

function frRate(rate: string): string {
  return `${rate.replace('.', ',')} %`;
}

export function formatSiren(siren: string): string {
  const s = siren.replace(/\s+/g, '');
  return /^\d{9}$/.test(s) ? `${s.slice(0, 3)} ${s.slice(3, 6)} ${s.slice(6)}` : siren;
}

function formatSiret(siret: string): string {
  const s = siret.replace(/\s+/g, '');
  return /^\d{14}$/.test(s) ? `${formatSiren(s.slice(0, 9))} ${s.slice(9)}` : siret;
}

const CATEGORY: Record<string, string> = { goods: 'livraison de biens', services: 'prestation de services', both: 'livraison de biens et prestation de services' };

/** The seller's identity lines (R123-237, 242 nonies A). */
export function sellerLines(v: InvoiceView): string[] {
  const c = v.seller;
  const out: string[] = [];
  const form = [c.legalForm, c.shareCapital ? `au capital de ${frAmount(c.shareCapital)} €` : ''].filter(Boolean).join(' ');
  if (form) out.push(form);
  out.push(c.address);
  out.push([`SIREN ${formatSiren(c.siren)}`, c.siret ? `SIRET ${formatSiret(c.siret)}` : ''].filter(Boolean).join(' — '));
  if (c.rcsCity) out.push(`RCS ${c.rcsCity} ${formatSiren(c.siren)}`);
  out.push(`N° TVA intracommunautaire ${c.vatNumber}`);
  return out;
}

/** The document's references: dates, till, category, corrected or completed document. */
export function referenceLines(v: InvoiceView): string[] {
  const out = [`Date de ${v.kind === 'credit-note' ? "l'avoir" : v.kind === 'delivery-note' ? 'livraison' : 'facture'} : ${frDate(v.invoiceDate)}`];
  out.push(
    v.marketplace
      ? `Date de la vente : ${frDate(v.saleDate)} — commande n° ${v.marketplace.order} sur ${v.marketplace.label}`
      : `${v.kind === 'deposit-invoice' ? "Date de l'encaissement" : 'Date de la vente'} : ${frDate(v.saleDate)} — magasin ${v.store}, caisse ${v.till}`,
  );
  out.push(`Catégorie de l'opération : ${CATEGORY[v.category]}`);
  if (v.complementOf) out.push(`Complète la ${v.kind === 'credit-note' ? 'pièce' : 'facture'} n° ${v.complementOf.number} du ${frDate(v.complementOf.invoiceDate)} (mêmes client, jour et caisse)`);
  if (v.kind === 'credit-note') {
    for (const r of v.corrects) out.push(`Avoir sur facture n° ${r.number} du ${frDate(r.invoiceDate)}`);
    if (v.uncitedReturns) out.push(`${v.uncitedReturns} ligne(s) retournée(s) sans facture d'origine référencée au ticket`);
  }
  if (v.deposit) out.push(`Commande n° ${v.deposit.order}`);
  return out;
}

/** The customer's block: name, own address (none for the counter customer), SIREN and VAT number. */
export function customerLines(v: InvoiceView): string[] {
  const c = v.customer;
  const out = [`${c.name} (${c.code})`];
  if (c.address) out.push(c.address);
  else if (c.counter) out.push('Client non identifié (vente au comptoir)');
  if (c.siren) out.push(`SIREN ${formatSiren(c.siren)}`);
  if (c.vatNumber) out.push(`N° TVA ${c.vatNumber}`);
  if (c.deliveryAddress) out.push(`Livraison : ${c.deliveryAddress}`);
  return out;
}

/** The mentions at the bottom of the document, as text lines (also what tests read back). */
export function legalMentions(v: InvoiceView): string[] {
  if (v.kind === 'delivery-note') return ['Bon de livraison : la facture correspondante sera émise en fin de période.'];
  const out: string[] = [];
  if (v.kind === 'deposit-invoice') {
    out.push(
      v.deposit?.vatDue === 'receipt'
        ? "Acompte sur prestation de services : la TVA est exigible à l'encaissement (art. 269-2-c du CGI) et figure sur cette facture d'acompte ; la facture définitive déduira l'acompte et la TVA déjà facturée."
        : "Acompte sur livraison de biens : la TVA n'est pas exigible sur cet acompte ; elle est exigible à la livraison (art. 269-2-a du CGI) et figurera sur la facture définitive, qui déduira cet acompte.",
    );
    out.push(`Acompte encaissé au ticket le ${frDate(v.saleDate)}.`);
  }
  for (const d of v.deposits) {
    const inv = d.invoice ? ` (facture d'acompte n° ${d.invoice.number} du ${frDate(d.invoice.invoiceDate)})` : '';
    const vat = d.invoice && !new D(d.invoice.vat).isZero() ? `, dont TVA déjà facturée ${frAmount(d.invoice.vat)} €` : '';
    out.push(`Acompte déjà versé sur la commande n° ${d.order}${inv} : ${frAmount(d.amount)} € TTC${vat}, déduit du montant à payer.`);
  }
  const terms = v.seller.paymentTerms ?? 'à réception de facture';
  if (v.marketplace?.vatMention) out.push(v.marketplace.vatMention);
  if (v.marketplace) {
    out.push(`Facture acquittée : payée par le client sur ${v.marketplace.label} à la commande du ${frDate(v.saleDate)}. Pas d'escompte pour paiement anticipé.`);
  } else if (v.kind === 'credit-note') {
    out.push(new D(v.due).isZero() ? `Avoir entièrement utilisé ou remboursé.` : `Avoir de ${frAmount(v.due)} € restant à rembourser ou à imputer sur une prochaine facture.`);
  } else if (v.kind !== 'deposit-invoice') {
    if (new D(v.due).isZero()) out.push(`Facture acquittée${v.dueSource === 'ledger' ? '' : ` au ticket le ${frDate(v.saleDate)}`}. Pas d'escompte pour paiement anticipé.`);
    else out.push(`Conditions de paiement : ${terms} (échéance le ${frDate(v.invoiceDate)}). Pas d'escompte pour paiement anticipé.`);
  }
  out.push(`Pénalités de retard : ${v.seller.latePenalty ?? "taux d'intérêt de la BCE à son opération de refinancement la plus récente majoré de 10 points"} (art. L441-10 du Code de commerce).`);
  if (v.customer.professional) out.push('Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 € (art. L441-10 et D441-5 du Code de commerce).');
  return out;
}

/** The discount cell of a line: "10 % (0,12)" or the amount excl VAT, empty without one. */
function discountCell(l: InvoiceView['lines'][number]): string {
  if (!l.discount) return '';
  return l.discount.percent ? `${l.discount.percent.replace('.', ',')} % (${frAmount(l.discount.excl)})` : frAmount(l.discount.excl);
}

export async function renderInvoicePdf(v: InvoiceView, opts: RenderOptions = {}): Promise<Buffer> {
  // pdfkit (with fontkit) is loaded for the first PDF, not with the module: `server start` reaches
  // this file through the back office and would otherwise pay for it at every start.
  const { default: PDFDocument } = await import('pdfkit');
  const title = documentTitle(v);
  // A fixed creation date keeps the bytes of a document's PDF the same from one run to the next.
  // PDF/A-3b for every document: a consumer's invoice is plain PDF/A, a business one gets its Factur-X XML through beforeEnd.
  const doc = new PDFDocument({ size: 'A4', margin: 40, ...pdfaOptions(), info: { Title: `${title} ${v.number}`, Author: v.seller.name, CreationDate: new Date(`${v.invoiceDate}T12:00:00Z`) } });
  embedStandardFonts(doc);
  escapeXmpInfo(doc);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const left = doc.page.margins.left;
  const right = doc.page.width - doc.page.margins.right;
  const width = right - left;
  const bottom = () => doc.page.height - doc.page.margins.bottom;
  let y = doc.page.margins.top;
  const ensure = (h: number) => {
    if (y + h > bottom()) {
      doc.addPage();
      y = doc.page.margins.top;
    }
  };

  // Document identity on its own line (a complementary invoice's title is long), then seller and references.
  doc.font('Helvetica-Bold').fontSize(15).text(`${title} N° ${v.number}`, left, y, { width, align: 'right' });
  y = doc.y + 8;
  doc.font('Helvetica-Bold').fontSize(14).text(v.seller.name, left, y, { width: width / 2 });
  doc.font('Helvetica').fontSize(9);
  for (const line of sellerLines(v)) doc.text(line, left, doc.y + 2, { width: width / 2 });
  const sellerBottom = doc.y;
  doc.text('', left + width / 2, y);
  for (const line of referenceLines(v)) doc.text(line, left + width / 2, doc.y + 2, { width: width / 2, align: 'right' });
  y = Math.max(sellerBottom, doc.y) + 18;

  // Customer.
  doc.font('Helvetica-Bold').fontSize(10).text('Client', left + width / 2, y);
  doc.font('Helvetica').fontSize(10);
  for (const line of customerLines(v)) doc.text(line, left + width / 2, doc.y + 2, { width: width / 2 });
  y = doc.y + 18;

  // Goods: every line (quantity, list price excl VAT, discount, VAT rate, net excl VAT).
  const cols = [
    { title: 'Désignation', w: width * 0.36, align: 'left' as const },
    { title: 'Qté', w: width * 0.08, align: 'right' as const },
    { title: 'PU HT', w: width * 0.13, align: 'right' as const },
    { title: 'Remise HT', w: width * 0.15, align: 'right' as const },
    { title: 'TVA', w: width * 0.1, align: 'right' as const },
    { title: 'Montant HT', w: width * 0.18, align: 'right' as const },
  ];
  const row = (cells: string[], bold = false) => {
    ensure(16);
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9);
    let x = left;
    let h = 0;
    cells.forEach((c, i) => {
      doc.text(c, x + 2, y + 3, { width: cols[i].w - 4, align: cols[i].align, lineBreak: true });
      h = Math.max(h, doc.y - y);
      x += cols[i].w;
    });
    y += Math.max(h, 14) + 2;
  };
  row(cols.map((c) => c.title), true);
  doc.moveTo(left, y).lineTo(right, y).lineWidth(0.5).stroke();
  for (const l of v.lines) row([l.label, l.qty.replace('.', ','), frPrice(l.unitPriceExcl), discountCell(l), frRate(l.vatRate), frAmount(l.amountExcl)]);
  y += 6;
  if (v.tickets.length) {
    ensure(14);
    const first = v.tickets[0];
    const last = v.tickets[v.tickets.length - 1];
    const refs = v.tickets.length <= 6 ? v.tickets.map((t) => t.id).join(', ') : `${v.tickets.length} tickets, du ${first.id} au ${last.id}`;
    doc.font('Helvetica').fontSize(8).text(`Tickets : ${refs}`, left, y, { width });
    y = doc.y + 8;
  }

  // VAT per rate and totals.
  ensure(40 + 14 * (v.vat.length + 6 + v.deposits.length));
  const tx = left + width * 0.45;
  const tw = width * 0.55;
  const vcol = [tw * 0.25, tw * 0.25, tw * 0.25, tw * 0.25];
  const vrow = (cells: string[], bold = false) => {
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(9);
    let x = tx;
    cells.forEach((c, i) => {
      doc.text(c, x, y, { width: vcol[i] - 4, align: i === 0 ? 'left' : 'right' });
      x += vcol[i];
    });
    y += 14;
  };
  vrow(['Taux TVA', 'Base HT', 'TVA', 'TTC'], true);
  for (const r of v.vat) vrow([`${r.code} ${frRate(r.rate)}`, frAmount(r.base), frAmount(r.vat), frAmount(r.incl)]);
  if (v.kind === 'deposit-invoice' && !v.vat.length) vrow(['TVA exigible à la livraison', '', '', '']);
  y += 6;
  doc.moveTo(tx, y).lineTo(right, y).lineWidth(0.5).stroke();
  y += 6;
  const total = (label: string, value: string, bold = false) => {
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(bold ? 11 : 10);
    doc.text(label, tx, y, { width: tw * 0.65 });
    doc.text(`${frAmount(value)} €`, tx + tw * 0.65, y, { width: tw * 0.35 - 4, align: 'right' });
    y += bold ? 16 : 14;
  };
  total('Total HT', v.totals.excl);
  total('Total TVA', v.totals.vat);
  total('Total TTC', v.totals.incl, true);
  for (const d of v.deposits) total(v.deposits.length > 1 ? `Acompte cde ${d.order}` : 'Acompte déjà versé', new D(d.amount).negated().toFixed(2));
  if (v.kind === 'invoice') {
    total(v.marketplace ? `Réglé sur ${v.marketplace.label}` : 'Réglé au ticket', v.paid);
    total('Reste à payer', v.due, true);
  } else if (v.kind === 'credit-note') {
    total('Remboursé au ticket', v.paid);
    total('Reste à rembourser', v.due, true);
  } else if (v.kind === 'deposit-invoice') {
    total('Acompte encaissé', v.paid);
    total('Reste à payer', v.due, true);
  }
  y += 14;

  // Mentions.
  doc.font('Helvetica').fontSize(8);
  for (const m of legalMentions(v)) {
    ensure(24);
    doc.text(m, left, y, { width });
    y = doc.y + 4;
  }
  opts.beforeEnd?.(doc);
  doc.end();
  return done;
}
