/**
 * The cash-register law's part of the till's local API (mounted under /api/till by client/api.ts):
 *
 *   POST /api/till/close     body: {"period"?: "day"|"month"|"year", "month"?: "YYYY-MM", "year"?: "YYYY"}
 *                            → 201 the Closure (+ "archive", "resumed" for month and year)
 *   POST /api/till/archive   body: {"period"?: "all"|"YYYY"|"YYYY-MM", "out"?: folder} → {path, bytes, manifest}
 *   POST /api/till/training  body: {"on": true|false, "cashier"?: name} → {training, changed}
 *   GET  /api/till/journal?limit=N          → {events: JetEvent[]} newest first
 *   POST /api/till/journal   body: {"type": "line-cancelled"|"cashier-open"|"cashier-close", "data"?: {...}}
 *                            → 201 the event (the register page reports what only it sees)
 *   GET  /api/till/receipt/:ticket?format=text|html|pdf&reprint=1 → the receipt (a reprint is
 *                            counted, journalled and marked DUPLICATA)
 *   POST /api/till/receipt   body: {"ticket", "format"?, "reprint"?: bool} → {ticket, duplicate, contentType, encoding, body}
 *                            (the CLI's form: a PDF comes base64)
 *   POST /api/till/receipt/mail body: {"ticket", "to", "smtp", "from"?} → the digital receipt by mail
 *   POST /api/till/cancel    body: {"ticket": id, "cashier"?: name} → 201 the negative ticket that cancels it
 */
import express, { type Router } from 'express';
import { TillsyncError } from '../sync/errors.ts';
import type { TillService } from './till-service.ts';

const REGISTER_EVENTS = new Set(['line-cancelled', 'cashier-open', 'cashier-close']);

function intParam(v: unknown, fallback: number): number {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** A receipt as JSON (text inline, PDF base64), for the CLI whether it forwards or runs locally. */
export async function receiptJson(svc: TillService, ticket: string, opts: { format?: unknown; reprint?: boolean }): Promise<{ ticket: string; duplicate: number; contentType: string; encoding: 'utf8' | 'base64'; body: string }> {
  const { receiptFor } = await import('./receipt-service.ts');
  const r = await receiptFor(svc, ticket, { format: (typeof opts.format === 'string' ? opts.format : 'text') as 'text', reprint: opts.reprint });
  const binary = Buffer.isBuffer(r.body);
  return { ticket: r.ticket, duplicate: r.duplicate, contentType: r.contentType, encoding: binary ? 'base64' : 'utf8', body: binary ? (r.body as Buffer).toString('base64') : (r.body as string) };
}

export function fiscalApiRouter(svc: TillService): Router {
  const r = express.Router();
  r.post('/close', async (req, res) => {
    const b = req.body ?? {};
    const { closeAny } = await import('./period-closing.ts');
    res.status(201).json(await closeAny(svc, { period: b.period, month: b.month, year: b.year }));
  });
  r.post('/archive', async (req, res) => {
    const b = req.body ?? {};
    const { writeTillArchive } = await import('./till-archive.ts');
    res.json(await writeTillArchive(svc, { period: typeof b.period === 'string' ? b.period : undefined, out: typeof b.out === 'string' && b.out ? b.out : undefined }));
  });
  r.post('/training', async (req, res) => {
    const b = req.body ?? {};
    if (typeof b.on !== 'boolean') throw new TillsyncError('usage', 'training: "on" must be true or false');
    const { setTraining } = await import('./training.ts');
    res.json(await setTraining(svc, b.on, typeof b.cashier === 'string' ? b.cashier : undefined));
  });
  r.get('/journal', async (req, res) => {
    const events = await svc.store.journal();
    res.json({ events: events.slice(-intParam(req.query.limit, 100)).reverse() });
  });
  r.post('/journal', async (req, res) => {
    const b = req.body ?? {};
    if (!REGISTER_EVENTS.has(b.type)) throw new TillsyncError('usage', `journal: "type" must be one of ${[...REGISTER_EVENTS].join(', ')}`, { hint: 'other events are recorded by the till itself' });
    const data = b.data && typeof b.data === 'object' && !Array.isArray(b.data) ? b.data : {};
    if (JSON.stringify(data).length > 2000) throw new TillsyncError('usage', 'journal: "data" is limited to 2,000 characters');
    res.status(201).json(await svc.journal.record(b.type, data));
  });
  r.get('/receipt/:ticket', async (req, res) => {
    const { receiptFor } = await import('./receipt-service.ts');
    const format = String(req.query.format ?? 'html');
    const out = await receiptFor(svc, req.params.ticket, { format: format as 'text' | 'html' | 'pdf', reprint: req.query.reprint === '1' || req.query.reprint === 'true' });
    res.type(out.contentType).send(out.body);
  });
  r.post('/receipt', async (req, res) => {
    const b = req.body ?? {};
    if (typeof b.ticket !== 'string' || !b.ticket) throw new TillsyncError('usage', 'receipt: "ticket" is required');
    res.json(await receiptJson(svc, b.ticket, { format: b.format, reprint: b.reprint === true }));
  });
  r.post('/receipt/mail', async (req, res) => {
    const b = req.body ?? {};
    if (typeof b.ticket !== 'string' || typeof b.to !== 'string' || typeof b.smtp !== 'string') throw new TillsyncError('usage', 'receipt/mail: "ticket", "to" and "smtp" are required');
    const { mailReceipt } = await import('./receipt-service.ts');
    res.json(await mailReceipt(svc, b.ticket, b.to, b.smtp, typeof b.from === 'string' ? b.from : undefined));
  });
  r.post('/cancel', async (req, res) => {
    const b = req.body ?? {};
    if (typeof b.ticket !== 'string' || !b.ticket) throw new TillsyncError('usage', 'cancel: "ticket" is required');
    const { cancelTicket } = await import('./cancel-ticket.ts');
    res.status(201).json(await cancelTicket(svc, b.ticket, typeof b.cashier === 'string' ? b.cashier : undefined));
  });
  return r;
}
