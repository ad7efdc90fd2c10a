/**
 * Writes the files of invoices: Factur-X (PDF/A-3b + factur-x.xml) for business customers, plain
 * PDF/A for consumers, and records each Factur-X in `einvoices` (status produced) the first time.
 * Idempotent: producing a document again rewrites its file (same bytes for the same data) and
 * leaves its record and lifecycle alone; a file is written to `.part` then renamed.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Db } from '../db/database.ts';
import type { BaseData } from '../../sync/types.ts';
import { loadBaseData } from '../base-data.ts';
import { nowIso } from '../db/dialect.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { logEvent } from '../log-book.ts';
import { loadInvoiceViews, type InvoiceView } from '../exports/invoice-model.ts';
import { renderInvoicePdf } from '../exports/invoice-pdf.ts';
import { renderFacturX, wantsFacturX } from './facturx-pdf.ts';

export interface ProducedFile {
  number: string;
  file: string;
  facturX: boolean;
  /** Why a business invoice could not be made Factur-X (it was written as plain PDF/A and logged). */
  error?: string;
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

export function invoiceFileName(number: string): string {
  return `${number.replace(/[^\w.-]+/g, '_')}.pdf`;
}

function writeAtomic(path: string, bytes: Buffer): void {
  writeFileSync(`${path}.part`, bytes);
  renameSync(`${path}.part`, path);
}

/** One document's file; records the Factur-X. */
export async function produceOne(env: { db: Db; data: string }, view: InvoiceView, base: BaseData, dir: string): Promise<ProducedFile> {
  const { db, data } = env;
  const path = join(dir, invoiceFileName(view.number));
  if (!wantsFacturX(view)) {
    writeAtomic(path, await renderInvoicePdf(view));
    return { number: view.number, file: path, facturX: false };
  }
  let fx;
  try {
    fx = await renderFacturX(view, base);
  } catch (e) {
    if (!(e instanceof TillsyncError)) throw e;
    // One document's bad data never stops the others: it gets its plain PDF/A and the log book says why.
    writeAtomic(path, await renderInvoicePdf(view));
    await logEvent(db, data, { severity: 'error', channel: 'einvoice', message: `${e.message} — written as plain PDF/A, not Factur-X (${e.hint ?? 'fix the data and write it again'})` });
    return { number: view.number, file: path, facturX: false, error: e.message };
  }
  writeAtomic(path, fx.pdf);
  const known = await db.selectFrom('einvoices').select(['id']).where('number', '=', view.number).executeTakeFirst();
  if (!known) {
    const now = nowIso();
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('einvoices')
        .values({ number: view.number, customer: view.customer.code, type_code: fx.einvoice.typeCode, issue_date: fx.einvoice.issueDate, total_incl: view.totals.incl, file: path, pdf_sha256: sha256(fx.pdf), xml_sha256: sha256(fx.xml), status: 'produced', status_at: now, channel: null, platform_ref: null, message: null, created_at: now })
        .execute();
      await trx.insertInto('einvoice_events').values({ number: view.number, status: 'produced', at: now, channel: null, detail: path }).execute();
    });
  }
  return { number: view.number, file: path, facturX: true };
}

/** The files of these document numbers in `out`; unknown numbers come back in `missing`. */
export async function produceInvoiceFiles(env: { db: Db; data: string }, numbers: string[], out: string, base?: BaseData): Promise<{ files: ProducedFile[]; missing: string[] }> {
  const b = base ?? (await loadBaseData(env.db));
  const dir = resolve(out);
  mkdirSync(dir, { recursive: true });
  const { views, missing } = await loadInvoiceViews(env.db, numbers, b);
  const files: ProducedFile[] = [];
  for (const v of views) files.push(await produceOne(env, v, b, dir));
  return { files, missing };
}
