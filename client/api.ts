/**
 * The till's local JSON API, served by `tillsync till start` (on loopback unless --allow-lan).
 * It belongs to the cashier: local-api-guard.ts checks Host, Origin, the x-till-token header and
 * JSON-only bodies before anything here runs. The register page (client/web/) gets the cashier's
 * token inside the page; the other till commands, which forward here while `till start` holds the
 * store, read the operator's token from DATA/api-token (api-token.ts).
 *
 *   GET  /api/till/status                   → TillStatus (counts, last number, server, last closure, replication)
 *   GET  /api/till/articles?q=TEXT&limit=N  → { articles: [{code, barcode, label, price, vatCode}] }
 *                                             code or barcode prefix, or label prefix (accents and case ignored)
 *   GET  /api/till/customers?q=TEXT&limit=N → { customers: Customer[] } (code prefix or name contains)
 *   GET  /api/till/payment-modes            → { paymentModes: PaymentMode[], vatRates: VatRate[], counterCustomer: string | null }
 *   GET  /api/till/destinations             → { lan: [folder|URL], mail: [address], smtp } the configured send destinations
 *   POST /api/till/sell      body: the sale JSON of `till sell`
 *                            {"customer"?: code, "cashier"?: name,
 *                             "lines": [{"article": code|barcode, "qty": n, "unitPrice"?: "12.50", "return"?: true}],
 *                             "settlements"?: [{"kind": "invoice"|"deposit", "ref": "10001434", "amount": "100.69"}],
 *                             "payments": [{"mode": "CB", "amount": "25.00", "ref"?: order number for a deposit voucher}]}
 *                            → 201 the stored ticket (+ packagedIn, acknowledgedAt, documentNumber), once durable
 *   POST /api/till/close, /archive, /training, /journal, /cancel, GET /journal, /receipt/:ticket
 *                                           → see client/fiscal-api.ts (closures, archives, training, JET, receipts)
 *   POST /api/till/extract   body: {"kind": "degraded"|"untransferred", "includeSent"?: bool, "out"?: folder (default DATA/packages)}
 *                            → ExtractResult (file null when there was nothing to extract)
 *   POST /api/till/send      body: {"file": path, "lan"?: folder|URL, "mail"?: [addresses], "smtp"?: "smtp://host:port"}
 *                            → { channel, target, file, detail? }
 *   GET  /api/till/tickets?limit=N          → { tickets: FlaggedTicket[] } newest first (N ≤ 1000, default 50)
 *   POST /api/till/apply-base body: {"file": bundle path|folder|.eml, "baseKey"?: key}
 *                            → ApplyBaseResult (client/base-apply.ts); sales wait while it applies
 *
 * `send` takes only this till's own package files (own-package.ts). With the cashier's token,
 * `send` goes only to configured destinations and `extract` writes only to DATA/packages or a
 * configured drop folder (send-destinations.ts); the operator's token (the CLI, same OS user as
 * the till) may name others, as the same command could with the till stopped.
 *
 * Errors: HTTP status from the error (422 refused sale, 400 bad request, 401/403/415/421 refused
 * by the doors, 409 busy, 5xx failures) and body {"error": {"code", "message", "hint", "ref"}} —
 * the same one-line message the CLI prints.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { join, resolve } from 'node:path';
import { TillsyncError, isTillsyncError } from '../sync/errors.ts';
import type { PackageKind } from '../sync/types.ts';
import type { TillService } from './till-service.ts';
import { splitList } from './address-list.ts';
import type { ApiCaller } from './api-token.ts';
import { logTillEvent } from './day-log.ts';
import { allowedDestinations, checkExtractFolder, checkSendTarget } from './send-destinations.ts';

/** Set by the token guard (local-api-guard.ts); 'cashier' when missing, to fail closed. */
function callerOf(res: Response): ApiCaller {
  return res.locals.caller === 'operator' ? 'operator' : 'cashier';
}
import { fiscalApiRouter } from './fiscal-api.ts';
import { journalBaseApplied } from './base-journal.ts';

function intParam(v: unknown, fallback: number): number {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export function tillApiRouter(svc: TillService): Router {
  const r = express.Router();
  r.use(express.json({ limit: '2mb' }));

  r.get('/status', async (_req, res) => {
    res.json(await svc.status());
  });
  r.get('/articles', (req, res) => {
    res.json({ articles: svc.searchArticles(String(req.query.q ?? ''), intParam(req.query.limit, 20)) });
  });
  r.get('/customers', (req, res) => {
    res.json({ customers: svc.searchCustomers(String(req.query.q ?? ''), intParam(req.query.limit, 20)) });
  });
  r.get('/payment-modes', (_req, res) => {
    const b = svc.store.base;
    res.json({ paymentModes: [...b.paymentModes.values()], vatRates: [...b.vatRates.values()], counterCustomer: b.counterCustomer()?.code ?? null });
  });
  r.get('/destinations', (_req, res) => {
    res.json(allowedDestinations(svc.dataDir, svc.identity.serverUrl));
  });
  r.post('/sell', async (req, res) => {
    res.status(201).json(await svc.sell(req.body));
  });
  // close (day, month, year), archive, training, journal, receipt, cancel: the cash-register law's routes.
  r.use(fiscalApiRouter(svc));
  r.post('/extract', async (req, res) => {
    const b = req.body ?? {};
    let out = typeof b.out === 'string' && b.out ? b.out : join(resolve(svc.dataDir), 'packages');
    if (callerOf(res) === 'cashier') out = checkExtractFolder(svc.dataDir, allowedDestinations(svc.dataDir, svc.identity.serverUrl), out);
    res.json(await svc.extract({ kind: b.kind as PackageKind, includeSent: Boolean(b.includeSent), out }));
  });
  r.post('/send', async (req, res) => {
    const b = req.body ?? {};
    if (typeof b.file !== 'string' || !b.file) throw new TillsyncError('usage', 'send: "file" is required', { hint: 'give the package path printed by extract' });
    const mail = Array.isArray(b.mail) ? b.mail.map(String) : typeof b.mail === 'string' ? splitList(b.mail) : undefined;
    const target = { lan: typeof b.lan === 'string' && b.lan ? b.lan : undefined, mail, smtp: typeof b.smtp === 'string' && b.smtp ? b.smtp : undefined };
    if (callerOf(res) === 'cashier') {
      const allowed = allowedDestinations(svc.dataDir, svc.identity.serverUrl);
      // Mail goes through the configured server only, whatever the page says.
      if (target.mail?.length) target.smtp = allowed.smtp ?? target.smtp;
      checkSendTarget(allowed, target);
    }
    res.json(await svc.send(b.file, { ...target, from: typeof b.from === 'string' ? b.from : undefined }));
  });
  r.post('/apply-base', async (req, res) => {
    const b = req.body ?? {};
    if (typeof b.file !== 'string' || !b.file) throw new TillsyncError('usage', 'apply-base: "file" is required', { hint: 'give the base bundle path' });
    const { applyBaseFromPath } = await import('./base-apply.ts');
    const r = await svc.exclusive(() => applyBaseFromPath(svc.store, svc.dataDir, b.file, { baseKey: typeof b.baseKey === 'string' ? b.baseKey : undefined }));
    res.json(await journalBaseApplied(svc, r));
  });
  r.get('/tickets', async (req, res) => {
    res.json({ tickets: await svc.tickets(intParam(req.query.limit, 50)) });
  });

  r.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if ((err as any)?.type === 'entity.parse.failed') {
      res.status(400).json({ error: { code: 'bad-json', message: 'request body is not valid JSON', hint: 'send application/json', ref: {} } });
      return;
    }
    if (isTillsyncError(err)) {
      if (err.code === 'destination-not-configured') logTillEvent(svc.dataDir, 'warning', `local API refused (${callerOf(res)}): ${err.message}`);
      res.status(err.status).json({ error: err.toJSON() });
      return;
    }
    logTillEvent(svc.dataDir, 'error', `local API: ${(err as Error)?.stack ?? String(err)}`);
    res.status(500).json({ error: { code: 'error', message: 'internal error of the till (details in its day log)', ref: {} } });
  });
  return r;
}
