/**
 * `till receipt TICKET [--format text|html|pdf] [--reprint] [--mail ADDR --smtp URL]`: the receipt of
 * a stored ticket (training tickets too). The first print is the original; every later print must be
 * asked for with `reprint`, is counted per ticket, recorded in the journal, and says DUPLICATA n° N.
 * Paper is printed only on the customer's request (French rule since August 2023): the digital
 * receipt goes by mail (real SMTP) as HTML with the PDF attached.
 */
import { TillsyncError } from '../sync/errors.ts';
import { softwareText } from '../sync/software.ts';
import type { Ticket } from '../sync/types.ts';
import { receiptHtml, receiptPdf, receiptText, type ReceiptModel } from './receipt.ts';
import type { TillService } from './till-service.ts';

export type ReceiptFormat = 'text' | 'html' | 'pdf';

export interface ReceiptOut {
  ticket: string;
  duplicate: number;
  contentType: string;
  body: string | Buffer;
}

async function findTicket(svc: TillService, ref: string): Promise<Ticket> {
  const id = svc.identity;
  const training = /^(?:.+-.+-)?F(\d{1,9})$/.exec(ref.trim());
  if (training) {
    const { trainingTicketId } = await import('./training.ts');
    const t = await svc.store.getMeta(`training-ticket:${trainingTicketId(id.store, id.till, Number(training[1]))}`);
    if (t) return t as unknown as Ticket;
  } else {
    const m = /^(?:(.+)-(.+)-)?(\d{1,9})$/.exec(ref.trim());
    if (m && (m[1] === undefined || (m[1] === id.store && m[2] === id.till))) {
      const t = await svc.store.ticket(Number(m[3]));
      if (t) return t;
    }
  }
  throw new TillsyncError('no-ticket', `no ticket ${ref} on till ${id.store}-${id.till}`, { hint: 'give its id (S1-01-00000042, S1-01-F00000001 in training) or its number', ref: { ticket: ref }, status: 404 });
}

export async function receiptModel(svc: TillService, ref: string, opts: { reprint?: boolean; cashier?: string } = {}): Promise<ReceiptModel> {
  const ticket = await findTicket(svc, ref);
  let duplicate = 0;
  if (opts.reprint) {
    const key = `reprint:${ticket.id}`;
    duplicate = Number((await svc.store.getMeta(key))?.count ?? 0) + 1;
    await svc.store.setMeta(key, 'reprint', { count: duplicate, at: new Date().toISOString() });
    await svc.journal.record('reprint', { ticket: ticket.id, count: duplicate, cashier: opts.cashier ?? null });
  }
  const modes = svc.store.base.paymentModes;
  return { company: svc.store.base.company, ticket, duplicate, software: softwareText(), modeLabel: (c) => modes.get(c)?.label ?? c };
}

export async function receiptFor(svc: TillService, ref: string, opts: { format?: ReceiptFormat; reprint?: boolean } = {}): Promise<ReceiptOut> {
  const format = opts.format ?? 'text';
  if (!['text', 'html', 'pdf'].includes(format)) throw new TillsyncError('usage', `--format must be text, html or pdf, not "${format}"`);
  const m = await receiptModel(svc, ref, opts);
  const base = { ticket: m.ticket.id, duplicate: m.duplicate };
  if (format === 'pdf') return { ...base, contentType: 'application/pdf', body: await receiptPdf(m) };
  if (format === 'html') return { ...base, contentType: 'text/html; charset=utf-8', body: receiptHtml(m) };
  return { ...base, contentType: 'text/plain; charset=utf-8', body: receiptText(m) };
}

/** The digital receipt: HTML mail with the PDF attached. */
export async function mailReceipt(svc: TillService, ref: string, to: string, smtp: string, from?: string): Promise<{ ticket: string; to: string; messageId: string }> {
  if (!/^[^\s@]+@[^\s@]+$/.test(to)) throw new TillsyncError('usage', `"${to}" is not a mail address`);
  const m = await receiptModel(svc, ref);
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport(smtp);
  const info = await transport.sendMail({
    from: from ?? `tickets@${svc.identity.store.toLowerCase()}.tillsync.local`,
    to,
    subject: `Votre ticket ${m.ticket.id} — ${m.company.name}`,
    text: receiptText(m),
    html: receiptHtml(m),
    attachments: [{ filename: `ticket-${m.ticket.id}.pdf`, content: await receiptPdf(m), contentType: 'application/pdf' }],
  });
  return { ticket: m.ticket.id, to, messageId: info.messageId };
}
