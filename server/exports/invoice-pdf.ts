/**
 * Renders an invoice, credit note or delivery note as a PDF (pdfkit) with the mentions a French
 * invoice must carry (Code de commerce L441-9 and R123-237, CGI art. 242 nonies A): seller's name,
 * address, SIREN and VAT number; number and date; customer's name and address; the goods; totals
 * excluding VAT, VAT per rate and including VAT; payment terms, late-payment penalties, and for
 * professional customers the 40 € fixed recovery indemnity (D441-5).
 */
import PDFDocument from 'pdfkit';
import { D } from '../../sync/money.ts';
import type { InvoiceView } from './invoice-model.ts';
import { embedStandardFonts, pdfaOptions } from './pdfa.ts';

export interface RenderOptions {
  /** Called last, before the document is closed: the Factur-X writer attaches its XML here. */
  beforeEnd?: (doc: PDFKit.PDFDocument) => void;
}

/** Beyond this many lines the goods are summarised per ticket (a counter customer's day). */
export const MAX_DETAIL_LINES = 60;

const TITLES: Record<string, string> = { invoice: 'FACTURE', 'credit-note': 'AVOIR', 'delivery-note': 'BON DE LIVRAISON' };

/** 1234.5 → "1 234,50" (French grouping with a plain space: the standard fonts have no narrow one). */
export function frAmount(text: string): string {
  const v = new D(text || 0).toFixed(2);
  const neg = v.startsWith('-');
  const [int, dec] = (neg ? v.slice(1) : v).split('.');
  return `${neg ? '-' : ''}${int.replace(/\B(?=(\d{3})+(?!\d))/g, ' ')},${dec}`;
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

/** The mentions at the bottom of the document, as text lines (also what tests read back). */
export function legalMentions(v: InvoiceView): string[] {
  if (v.kind === 'delivery-note') return ['Bon de livraison : la facture correspondante sera émise en fin de période.'];
  const out: string[] = [];
  if (new D(v.due).isZero()) out.push(`Facture acquittée au ticket le ${frDate(v.date)}. Pas d'escompte pour paiement anticipé.`);
  else out.push(`Conditions de paiement : à réception de facture (échéance le ${frDate(v.date)}). Pas d'escompte pour paiement anticipé.`);
  out.push("Pénalités de retard : taux d'intérêt de la BCE à son opération de refinancement la plus récente majoré de 10 points (art. L441-10 du Code de commerce).");
  if (v.customer.professional) out.push('Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 € (art. D441-5 du Code de commerce).');
  return out;
}

export function renderInvoicePdf(v: InvoiceView, opts: RenderOptions = {}): Promise<Buffer> {
  // A fixed creation date keeps the bytes of a document's PDF the same from one run to the next.
  // PDF/A-3b for every document: a consumer's invoice is plain PDF/A, a business one gets its Factur-X XML through beforeEnd.
  const doc = new PDFDocument({ size: 'A4', margin: 40, ...pdfaOptions(), info: { Title: `${TITLES[v.kind] ?? 'FACTURE'} ${v.number}`, Author: v.seller.name, CreationDate: new Date(`${v.date}T12:00:00Z`) } });
  embedStandardFonts(doc);
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

  // Seller and document identity.
  doc.font('Helvetica-Bold').fontSize(14).text(v.seller.name, left, y, { width: width / 2 });
  doc.font('Helvetica').fontSize(9);
  doc.text(v.seller.address, left, doc.y + 2, { width: width / 2 });
  doc.text(`SIREN ${formatSiren(v.seller.siren)}`, left, doc.y + 2, { width: width / 2 });
  doc.text(`N° TVA intracommunautaire ${v.seller.vatNumber}`, left, doc.y + 2, { width: width / 2 });
  const sellerBottom = doc.y;
  doc.font('Helvetica-Bold').fontSize(16).text(`${TITLES[v.kind] ?? 'FACTURE'} N° ${v.number}`, left + width / 2, y, { width: width / 2, align: 'right' });
  doc.font('Helvetica').fontSize(9);
  doc.text(`Date : ${frDate(v.date)}`, left + width / 2, doc.y + 4, { width: width / 2, align: 'right' });
  doc.text(`Date de la vente : ${frDate(v.date)} — magasin ${v.store}, caisse ${v.till}`, left + width / 2, doc.y + 2, { width: width / 2, align: 'right' });
  y = Math.max(sellerBottom, doc.y) + 18;

  // Customer.
  doc.font('Helvetica-Bold').fontSize(10).text('Client', left + width / 2, y);
  doc.font('Helvetica').fontSize(10).text(`${v.customer.name} (${v.customer.code})`, left + width / 2, doc.y + 2, { width: width / 2 });
  if (v.customer.address) doc.text(v.customer.address, left + width / 2, doc.y + 2, { width: width / 2 });
  y = doc.y + 18;

  // Goods: lines, or one row per ticket when there are too many.
  const detail = v.lines.length > 0 && v.lines.length <= MAX_DETAIL_LINES;
  const cols = detail
    ? [
        { title: 'Désignation', w: width * 0.46, align: 'left' as const },
        { title: 'Qté', w: width * 0.09, align: 'right' as const },
        { title: 'PU TTC', w: width * 0.15, align: 'right' as const },
        { title: 'TVA', w: width * 0.1, align: 'right' as const },
        { title: 'Montant TTC', w: width * 0.2, align: 'right' as const },
      ]
    : [
        { title: 'Ticket', w: width * 0.3, align: 'left' as const },
        { title: 'Date et heure', w: width * 0.3, align: 'left' as const },
        { title: 'Règlements', w: width * 0.2, align: 'left' as const },
        { title: 'Montant TTC', w: width * 0.2, align: 'right' as const },
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
  if (detail) {
    for (const l of v.lines) row([l.label, l.qty.replace('.', ','), frAmount(l.unitPrice), frRate(l.vatRate), frAmount(l.amountIncl)]);
  } else {
    for (const t of v.tickets) row([`N° ${t.number} (${t.id})`, t.soldAt.replace('T', ' ').slice(0, 16), t.payments.map((p) => p.label).join(', '), frAmount(t.totalIncl)]);
  }
  y += 10;

  // VAT per rate and totals.
  ensure(40 + 14 * (v.vat.length + 4));
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
  y += 6;
  doc.moveTo(tx, y).lineTo(right, y).lineWidth(0.5).stroke();
  y += 6;
  const total = (label: string, value: string, bold = false) => {
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(bold ? 11 : 10);
    doc.text(label, tx, y, { width: tw / 2 });
    doc.text(`${frAmount(value)} €`, tx + tw / 2, y, { width: tw / 2 - 4, align: 'right' });
    y += bold ? 16 : 14;
  };
  total('Total HT', v.totals.excl);
  total('Total TVA', v.totals.vat);
  total('Total TTC', v.totals.incl, true);
  if (v.kind !== 'delivery-note') {
    total('Réglé au ticket', v.paid);
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
