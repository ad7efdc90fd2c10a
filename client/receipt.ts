/**
 * The customer's receipt (ticket de caisse), rendered from a stored ticket as pure functions: plain
 * text for ESC/POS printers (42 columns), HTML for the register screen, and a printable PDF (80 mm
 * roll). French, as the customer reads it. Mentions (docs/nf525.md, "Receipts"): shop name, address,
 * SIRET and VAT number; date and time; ticket number; till; each line with its VAT rate; totals per
 * rate (HT, TVA, TTC); payments; an excerpt of the ticket's signature (its hash until tickets are
 * signed); the software and its version. A reprint says DUPLICATA with its number; a training
 * ticket says it has no value.
 */
import type { Company, Ticket } from '../sync/types.ts';

export interface ReceiptModel {
  company: Company & { siret?: string };
  ticket: Ticket;
  /** 0 for the original, n for the n-th duplicate. */
  duplicate: number;
  software: string;
  /** Payment mode code → label. */
  modeLabel?: (code: string) => string;
}

const WIDTH = 42;

function euros(text: string): string {
  return text.replace('.', ',');
}

function frDateTime(iso: string): { date: string; time: string } {
  // soldAt is the till's local time with its offset: print it as written, not converted.
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return m ? { date: `${m[3]}/${m[2]}/${m[1]}`, time: m[4] } : { date: iso, time: '' };
}

/** The few characters of the signature printed on the receipt (first 4 and last 4). */
export function signatureExcerpt(t: Ticket): string {
  const s = String((t as Ticket & { signature?: string }).signature ?? t.hash);
  return `${s.slice(0, 4)}…${s.slice(-4)}`;
}

/** The receipt as lines of text: what every format prints. */
export function receiptLines(m: ReceiptModel): { text: string; align?: 'center' | 'right'; strong?: boolean }[] {
  const t = m.ticket;
  const c = m.company;
  const when = frDateTime(t.soldAt);
  const pair = (left: string, right: string) => ({ text: `${left}${' '.repeat(Math.max(1, WIDTH - left.length - right.length))}${right}` });
  const rule = { text: '-'.repeat(WIDTH) };
  const out: { text: string; align?: 'center' | 'right'; strong?: boolean }[] = [];
  if (t.training) out.push({ text: '*** MODE FORMATION ***', align: 'center', strong: true }, { text: 'TICKET SANS VALEUR', align: 'center', strong: true });
  if (m.duplicate > 0) out.push({ text: `*** DUPLICATA n° ${m.duplicate} ***`, align: 'center', strong: true });
  out.push({ text: c.name, align: 'center', strong: true }, { text: c.address, align: 'center' });
  out.push({ text: c.siret ? `SIRET ${c.siret}` : `SIREN ${c.siren}`, align: 'center' });
  if (c.vatNumber) out.push({ text: `N° TVA ${c.vatNumber}`, align: 'center' });
  out.push(rule, pair(`Ticket n° ${t.number}`, `Caisse ${t.store}-${t.till}`), pair(`Le ${when.date} à ${when.time}`, t.cashier ? `Caissier ${t.cashier}`.slice(0, 18) : ''), { text: `Réf. ${t.id}` });
  if (t.cancels) out.push({ text: `ANNULATION du ticket ${t.cancels}`, strong: true });
  out.push(rule);
  for (const l of t.lines) {
    out.push({ text: l.label.slice(0, WIDTH) });
    out.push(pair(`  ${l.qty} x ${euros(l.unitPrice)}`, `${euros(l.inclVat)} ${l.vatCode} ${l.vatRate}%`));
  }
  for (const s of t.settlements) out.push(pair(s.kind === 'invoice' ? `Règlement facture ${s.ref}` : `Acompte commande ${s.ref}`, euros(s.amount)));
  out.push(rule, { ...pair('TOTAL TTC', `${euros(t.totals.due)} EUR`), strong: true });
  out.push(pair('Taux', 'HT        TVA        TTC'));
  for (const v of t.totals.byVat) out.push(pair(`${v.vatCode} ${v.rate}%`, `${euros(v.base).padStart(8)} ${euros(v.vat).padStart(9)} ${euros(v.inclVat).padStart(10)}`));
  out.push(pair('Total', `${euros(t.totals.exclVat).padStart(8)} ${euros(t.totals.vat).padStart(9)} ${euros(t.totals.inclVat).padStart(10)}`));
  out.push(rule);
  for (const p of t.payments) out.push(pair(`Règlement ${m.modeLabel?.(p.mode) ?? p.mode}`, euros(p.amount)));
  out.push(rule, { text: `Signature ${signatureExcerpt(t)}` }, { text: `Logiciel ${m.software}` }, { text: 'Merci de votre visite', align: 'center' });
  return out;
}

export function receiptText(m: ReceiptModel): string {
  return `${receiptLines(m)
    .map((l) => (l.align === 'center' ? l.text.padStart(Math.floor((WIDTH + l.text.length) / 2)) : l.text))
    .join('\n')}\n`;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function receiptHtml(m: ReceiptModel): string {
  const body = receiptLines(m)
    .map((l) => `<div class="r${l.align ? ` ${l.align}` : ''}${l.strong ? ' strong' : ''}">${esc(l.text)}</div>`)
    .join('\n');
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Ticket ${esc(m.ticket.id)}</title>
<style>body{font:13px/1.35 ui-monospace,monospace;width:${WIDTH}ch;margin:1em auto;white-space:pre}.center{text-align:center}.strong{font-weight:bold}@media print{body{margin:0}}</style>
</head><body${m.ticket.training ? ' data-training="1"' : ''}${m.duplicate ? ` data-duplicate="${m.duplicate}"` : ''}>
${body}
</body></html>
`;
}

/** A PDF on an 80 mm roll, the same lines as the text receipt. */
export async function receiptPdf(m: ReceiptModel, created = new Date(m.ticket.soldAt)): Promise<Buffer> {
  // pdfkit (with fontkit) is loaded for a PDF receipt only, not by every `till` command and `till start`.
  const { default: PDFDocument } = await import('pdfkit');
  const lines = receiptLines(m);
  const mm = 72 / 25.4;
  const doc = new PDFDocument({ size: [80 * mm, (20 + lines.length * 4.2) * mm], margin: 4 * mm, info: { Title: `Ticket ${m.ticket.id}`, Producer: m.software, CreationDate: created } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((res) => doc.on('end', () => res(Buffer.concat(chunks))));
  doc.fontSize(7.6);
  // One line each at a fixed step: a receipt is a column of 42 characters, never reflowed.
  const left = 4 * mm;
  const width = 72 * mm;
  let y = 4 * mm;
  for (const l of lines) {
    doc.font(l.strong ? 'Courier-Bold' : 'Courier').text(l.text, left, y, { width, align: l.align ?? 'left', lineBreak: false });
    y += 9;
  }
  doc.end();
  return done;
}
