/**
 * Undo of marketplace import batches (seed 004: "annuler une (ou plusieurs) intégrations
 * successives… n'est plus possible dès lors qu'une facture (ou un avoir) a été créé manuellement
 * dans la chaîne de numérotation des factures"). `--batch N` undoes N and every later import-sales
 * batch, latest first, in one transaction under the books' lock: invoices removed and their
 * numbers given back, customers they created removed, entries, letterings and effets removed.
 * Refused, with nothing changed, when an invoice not made by those batches holds a later number
 * in the same chain (a hand-made invoice or credit note, a till invoice when the chain is shared),
 * when an entry was exported, or when something later letters or pays these invoices.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { TillsyncError, type MessageRef } from '../../sync/errors.ts';
import type { Database } from '../db/schema.ts';
import { nowIso } from '../db/dialect.ts';
import { appendDayLog } from '../log-book.ts';
import { withBooksLock } from '../db/books-lock.ts';
import { exportNote, firstExportedEntry } from '../exports/exported-entry.ts';

export interface SalesUndoSummary {
  batches: number[];
  invoices: number;
  customers: number;
  entries: number;
  released: { series: string; first: string; last: string } | null;
}

function refuse(message: string, hint: string, id: string, params: MessageRef['params']): TillsyncError {
  return new TillsyncError('undo-refused', message, { hint, status: 409, detail: { id, params } });
}

interface UndoPlan {
  batches: number[];
  invoices: { number: string; series: string; seq: number | string }[];
}

/**
 * Why `server undo --batch N` (and the back office's Undo button, which shows this reason instead
 * of the button) refuses batch N — the seed's numbering-chain rule and the books' — or the plan.
 * The one rule of both doors; run inside the undo's transaction it is also the final check.
 */
async function undoPlan(trx: Kysely<Database>, batch: number): Promise<TillsyncError | UndoPlan> {
  const target = await trx.selectFrom('batches').select(['kind', 'status']).where('id', '=', batch).executeTakeFirst();
  if (!target || target.kind !== 'import-sales') return refuse(`batch ${batch} is not a marketplace import batch`, 'undo it with its own command', 'undo.notSales', { batch });
  if (target.status !== 'done') return refuse(`batch ${batch} is ${target.status}`, 'only finished batches can be undone', 'undo.batchNotDone', { batch, status: target.status });
  const batches = (await trx.selectFrom('batches').select('id').where('kind', '=', 'import-sales').where('status', '=', 'done').where('id', '>=', batch).orderBy('id', 'desc').execute()).map((r) => Number(r.id));
  const invoices = await trx.selectFrom('marketplace_invoices').select(['number', 'series', 'seq']).where('batch_id', 'in', batches).orderBy('seq').execute();
  if (!invoices.length) return { batches, invoices };
  const series = invoices[0].series;
  const lo = Number(invoices[0].seq);
  const hi = Number(invoices[invoices.length - 1].seq);
  // Anyone else in the chain after our first number makes a hole if we give the numbers back.
  const laterOwn = await trx.selectFrom('marketplace_invoices').select('number').where('series', '=', series).where('seq', '>', lo).where('batch_id', 'not in', batches).orderBy('seq').executeTakeFirst();
  const laterDoc = await trx.selectFrom('documents').select('number').where('series', '=', series).where('seq', '>', lo).orderBy('seq').executeTakeFirst();
  const later = laterOwn?.number ?? laterDoc?.number;
  if (later) return refuse(`batch ${batch} cannot be undone: invoice ${later} was made later in the same numbering chain, and undoing would leave a hole in the numbers`, 'only the latest invoices of a chain can be undone; correct an imported invoice with a credit note', 'undo.laterInvoice', { batch, invoice: later });
  const row = await trx.selectFrom('number_series').select('last_seq').where('series', '=', series).executeTakeFirst();
  if (Number(row?.last_seq ?? 0) !== hi) return refuse(`batch ${batch} cannot be undone: number ${Number(row?.last_seq)} of chain ${series} was taken after ${invoices[invoices.length - 1].number}`, 'only the latest invoices of a chain can be undone', 'undo.invoiceNumberTaken', { batch, taken: Number(row?.last_seq), series, last: invoices[invoices.length - 1].number });
  const numbers = invoices.map((i) => i.number);
  const exported = await firstExportedEntry(trx, batches);
  if (exported) return refuse(`batch ${batch} cannot be undone: entry ${exported.piece} was exported ${exportNote(exported)}`, "an exported invoice is in the accountant's hands: make a credit note", 'undo.salesExported', { batch, entry: exported.piece, export: Number(exported.exportId), profile: exported.profile ?? 'none' });
  const paid = await trx
    .selectFrom('entry_lines as l')
    .innerJoin('entries as e', 'e.id', 'l.entry_id')
    .select(['l.letter_key', 'e.batch_id'])
    .where('l.letter_key', 'in', numbers)
    .where('e.batch_id', 'not in', batches)
    .executeTakeFirst();
  if (paid) return refuse(`batch ${batch} cannot be undone: invoice ${paid.letter_key} was paid or lettered by batch ${paid.batch_id}`, `undo batch ${paid.batch_id} first`, 'undo.invoicePaid', { batch, invoice: String(paid.letter_key), by: Number(paid.batch_id) });
  return { batches, invoices };
}

/** null when batch N can be undone now; else the refusal `server undo --batch N` would give. */
export async function salesUndoRefusal(db: Kysely<Database>, batch: number): Promise<TillsyncError | null> {
  const p = await undoPlan(db, batch);
  return p instanceof TillsyncError ? p : null;
}

export async function undoSales(db: Kysely<Database>, data: string, batch: number): Promise<SalesUndoSummary> {
  const s = await withBooksLock(db, async (trx) => {
    const plan = await undoPlan(trx, batch);
    if (plan instanceof TillsyncError) throw plan;
    const { batches, invoices } = plan;
    const out: SalesUndoSummary = { batches, invoices: invoices.length, customers: 0, entries: 0, released: null };
    if (invoices.length) {
      const series = invoices[0].series;
      await trx.updateTable('number_series').set({ last_seq: Number(invoices[0].seq) - 1 }).where('series', '=', series).execute();
      out.released = { series, first: invoices[0].number, last: invoices[invoices.length - 1].number };
    }
    const now = nowIso();
    for (const b of batches) {
      await sql`update entry_lines set lettering_id = (select g.previous_id from letterings g where g.id = entry_lines.lettering_id)
        where lettering_id in (select id from letterings where batch_id = ${b})`.execute(trx);
      await trx.updateTable('letterings').set({ superseded_batch: null }).where('superseded_batch', '=', b).execute();
      await trx.deleteFrom('letterings').where('batch_id', '=', b).execute();
      await trx.deleteFrom('entry_lines').where('entry_id', 'in', trx.selectFrom('entries').select('id').where('batch_id', '=', b)).execute();
      out.entries += Number((await trx.deleteFrom('entries').where('batch_id', '=', b).executeTakeFirst()).numDeletedRows);
      await trx.deleteFrom('settlements').where('batch_id', '=', b).execute();
      await trx.updateTable('settlements').set({ closed_batch: null }).where('closed_batch', '=', b).execute();
      await trx.deleteFrom('marketplace_invoices').where('batch_id', '=', b).execute();
      out.customers += Number((await trx.deleteFrom('marketplace_customers').where('batch_id', '=', b).executeTakeFirst()).numDeletedRows);
      const row = await trx.selectFrom('batches').select('summary').where('id', '=', b).executeTakeFirst();
      const kept = row?.summary ? (JSON.parse(row.summary) as Record<string, unknown>) : {};
      await trx.updateTable('batches').set({ status: 'undone', summary: JSON.stringify({ ...kept, undoneAt: now }) }).where('id', '=', b).execute();
    }
    await trx.insertInto('log_book').values({ at: now, severity: 'info', channel: 'imports', file: null, till: null, ticket: null, message: describeSalesUndo(out) }).execute();
    return out;
  });
  appendDayLog(data, `INFO [imports] ${describeSalesUndo(s)}`);
  return s;
}

export function describeSalesUndo(s: SalesUndoSummary): string {
  return `marketplace import batch${s.batches.length > 1 ? 'es' : ''} ${[...s.batches].reverse().join(', ')} undone: ${s.invoices} invoice(s) removed${s.released ? ` (numbers ${s.released.first}–${s.released.last} released)` : ''}, ${s.customers} customer(s) and ${s.entries} entr${s.entries === 1 ? 'y' : 'ies'} removed`;
}

/** For `server undo --batch N`: undoes N when it is a marketplace import batch, else null. */
export async function undoIfSalesBatch(db: Kysely<Database>, data: string, batch: number): Promise<{ data: SalesUndoSummary; text: string } | null> {
  const row = await db.selectFrom('batches').select('kind').where('id', '=', batch).executeTakeFirst();
  if (row?.kind !== 'import-sales') return null;
  const s = await undoSales(db, data, batch);
  return { data: s, text: describeSalesUndo(s) };
}
