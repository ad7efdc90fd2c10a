/**
 * `server einvoice send` and status changes: hands every produced Factur-X to the platform through
 * its adapter and records the lifecycle (einvoices.status + one einvoice_events row per change).
 * A file the platform does not take stays `produced` (the next send tries it again) and the others
 * go on. Only `produced` e-invoices are ever sent: a rejected or refused one keeps its number and
 * is corrected by a credit note and a new invoice, never sent again.
 */
import { existsSync } from 'node:fs';
import { TillsyncError } from '../../sync/errors.ts';
import type { Db } from '../db/database.ts';
import { nowIso } from '../db/dialect.ts';
import { appendDayLog, logEvent } from '../log-book.ts';
import { canMove, isStatus, nextStep, sendable, statusOf, type EinvoiceStatus } from './lifecycle.ts';
import type { PlatformAdapter, PlatformStatus } from './platform.ts';

export interface SendOutcome {
  sent: string[];
  failed: { number: string; error: string }[];
}

export async function setStatus(db: Db, number: string, to: EinvoiceStatus, detail: { channel?: string | null; ref?: string | null; message?: string | null; at?: string }): Promise<void> {
  const row = await db.selectFrom('einvoices').select(['status']).where('number', '=', number).executeTakeFirst();
  if (!row) throw new TillsyncError('not-found', `no e-invoice ${number}`, { hint: 'list them with tillsync server einvoice status' });
  const from = row.status as EinvoiceStatus;
  if (!isStatus(from) || !canMove(from, to)) throw new TillsyncError('einvoice-status', `e-invoice ${number} cannot go from ${from} to ${to}`, { hint: from === 'produced' ? 'send it first: tillsync server einvoice send' : nextStep(from, number) ?? 'a platform status follows sending; final statuses never change' });
  const at = detail.at ?? nowIso();
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('einvoices')
      .set({ status: to, status_at: at, ...(detail.channel !== undefined ? { channel: detail.channel } : {}), ...(detail.ref ? { platform_ref: detail.ref } : {}), message: detail.message ?? null })
      .where('number', '=', number)
      .where('status', '=', from)
      .execute();
    await trx.insertInto('einvoice_events').values({ number, status: to, at, channel: detail.channel ?? null, detail: detail.message ?? null }).execute();
  });
}

export async function sendProduced(env: { db: Db; data: string }, adapter: PlatformAdapter, opts: { numbers?: string[]; onProgress?: (done: number, total: number) => void } = {}): Promise<SendOutcome> {
  let q = env.db.selectFrom('einvoices').select(['number', 'file', 'customer', 'total_incl', 'status']).orderBy('issue_date').orderBy('number');
  if (opts.numbers?.length) q = q.where('number', 'in', opts.numbers);
  const rows = await q.execute();
  const out: SendOutcome = { sent: [], failed: [] };
  for (const n of opts.numbers ?? []) {
    const r = rows.find((x) => x.number === n);
    if (!r) out.failed.push({ number: n, error: 'no such e-invoice (produce it with server invoice-pdf)' });
    else if (!sendable(r.status as EinvoiceStatus)) out.failed.push({ number: n, error: `already ${r.status}: never sent twice${nextStep(r.status as EinvoiceStatus, n) ? ` — ${nextStep(r.status as EinvoiceStatus, n)}` : ''}` });
  }
  const todo = rows.filter((r) => sendable(r.status as EinvoiceStatus));
  let i = 0;
  for (const r of todo) {
    try {
      if (!existsSync(r.file)) throw new Error(`file ${r.file} is gone (write it again with server invoice-pdf ${r.number})`);
      const res = await adapter.send({ number: r.number, file: r.file, customer: r.customer, total: r.total_incl });
      await setStatus(env.db, r.number, 'sent', { channel: adapter.name, ref: res.ref ?? null, message: res.message ?? null });
      out.sent.push(r.number);
    } catch (e) {
      const error = (e as Error).message ?? String(e);
      out.failed.push({ number: r.number, error });
      await logEvent(env.db, env.data, { severity: 'error', channel: 'einvoice', message: `sending e-invoice ${r.number} through ${adapter.name} failed: ${error}` });
    }
    opts.onProgress?.(++i, todo.length);
  }
  appendDayLog(env.data, `EINVOICE-SEND ${adapter.name}: ${out.sent.length} sent${out.failed.length ? `, ${out.failed.length} failed (${out.failed.map((f) => f.number).join(', ')})` : ''}`);
  return out;
}

/** Applies statuses a platform returned; an unknown status or invoice is logged and skipped. */
export async function applyStatuses(env: { db: Db; data: string }, channel: string, statuses: PlatformStatus[]): Promise<{ applied: { number: string; status: EinvoiceStatus }[]; skipped: string[] }> {
  const applied: { number: string; status: EinvoiceStatus }[] = [];
  const skipped: string[] = [];
  for (const s of statuses) {
    const to = statusOf(s.status);
    try {
      if (!to) throw new Error(`unknown status "${s.status}"${s.message ? ` (${s.message})` : ''}`);
      await setStatus(env.db, s.number, to, { channel, message: s.message ?? null, at: s.at });
      applied.push({ number: s.number, status: to });
      const step = nextStep(to, s.number);
      if (step) await logEvent(env.db, env.data, { severity: 'warning', channel: 'einvoice', message: step });
    } catch (e) {
      const why = `${s.source ?? s.number}: ${(e as Error).message}`;
      skipped.push(why);
      await logEvent(env.db, env.data, { severity: 'warning', channel: 'einvoice', message: `platform status not applied — ${why}` });
    }
  }
  return { applied, skipped };
}
