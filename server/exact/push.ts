/**
 * `server exact push`: the posted invoices and credit notes of a period go to Exact Online through
 * the API (seed 001: "Exporter clients et factures", "Inclure PDF"): their customers first
 * (crm/Accounts, created or updated by code, with address and VAT number), then one sales entry
 * per document (sales-entry.ts) with its PDF — Factur-X for business customers — as an Exact
 * document attached to it.
 *
 * Export-once is the file exports' own: the entries sent are marked with an `exports` row of format
 * `exact-online`, so neither a file export nor the next push sends them again; `server
 * export-reset` makes them sendable again. Runs share the file exports' lock.
 *
 * Nothing doubled (idempotency by the invoice number): before each POST an `exact_sends` row says
 * `sending`; after Exact's answer the row and the entry's export mark are written in one
 * transaction. An entry with a row from before (a crash between Exact's answer and that
 * transaction — crash point exact:entry-sent —, or a reset) is first looked up in Exact by
 * YourRef + Journal: found, it is recorded and not sent again. An entry Exact refuses (400) is
 * listed with Exact's message and left for the next run; the others go on.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { TillsyncError } from '../../sync/errors.ts';
import { D } from '../../sync/money.ts';
import { parseDayOption } from '../../sync/dates.ts';
import { crashPoint } from '../../sync/crash-points.ts';
import type { Db } from '../db/database.ts';
import { nowIso } from '../db/dialect.ts';
import { loadBaseData } from '../base-data.ts';
import { appendDayLog, logEvent } from '../log-book.ts';
import { ProblemList, describeProblem, type ExportProblem, type LedgerEntry } from '../exports/ledger-model.ts';
import { labelsOf, readLedger, type CustomerLabel } from '../exports/ledger-reader.ts';
import { readMappingView } from '../exports/mapping-view.ts';
import { checkExactEntry, exactJournalCode, splitAddress, type ExactMapping } from '../exports/exact-writer.ts';
import { withExportLock } from '../exports/export-lock.ts';
import { produceInvoiceFiles } from '../einvoice/produce.ts';
import { ExactApi, odataString } from './exact-api.ts';
import { customerOf, salesEntryBody } from './sales-entry.ts';

export const EXACT_FORMAT = 'exact-online';
/** Exact document Type of a sales invoice. */
const SALES_INVOICE_DOCUMENT = 10;

export interface PushRequest {
  from: string;
  to: string;
  store?: string | null;
  /** Invoice numbers, both inclusive: "F00000001-F00000020". */
  numbers?: { first: string; last: string } | null;
  /** Only the entries of this tillsync journal. */
  journal?: string | null;
  withPdf?: boolean;
  trigger?: 'manual' | 'closure' | 'nightly';
  onProgress?: (done: number, total: number) => void;
}

export interface PushOutcome {
  status: 'sent' | 'empty' | 'refused' | 'partial';
  exportId: number | null;
  division: number;
  customers: { created: string[]; updated: string[] };
  sent: string[];
  /** Already in Exact (an earlier run's answer not recorded, or a reset): recorded, not sent again. */
  found: string[];
  pdfs: number;
  failed: { piece: string; message: string }[];
  problems: ExportProblem[];
  warnings: string[];
  calls: number;
  message: string;
}

export function parseNumberRange(text: string): { first: string; last: string } {
  const m = /^\s*([^\s-]+)\s*-\s*([^\s-]+)\s*$/.exec(text) ?? /^\s*(\S+)\s*\.\.\s*(\S+)\s*$/.exec(text);
  if (!m) throw new TillsyncError('usage', `--numbers "${text}" is not a range like F00000001-F00000020`, { hint: 'give the first and last invoice numbers: --numbers F00000001-F00000020 (FROM..TO if numbers contain a dash)' });
  return { first: m[1], last: m[2] };
}

const inRange = (piece: string, r: { first: string; last: string }) => piece.localeCompare(r.first, 'en', { numeric: true }) >= 0 && piece.localeCompare(r.last, 'en', { numeric: true }) <= 0;

/**
 * A code as Exact's crm/Accounts filter must name it: "fixed length numeric string with leading
 * spaces, length 18 — when you use OData $filter on this field the filter parameter must contain the
 * leading spaces" (Exact's field reference, quoted in picqer/exact-php-client#129).
 */
export function exactAccountCode(code: string): string {
  return /^\d+$/.test(code) ? code.padStart(18, ' ') : code;
}

/** crm/Accounts body of a customer: Status C (customer), address split as Exact wants it. */
export function accountBody(code: string, c: CustomerLabel, country = 'FR'): Record<string, unknown> {
  const body: Record<string, unknown> = { Code: code, Name: c.name.slice(0, 100), Status: 'C', IsSales: true, Country: country };
  if (c.address?.trim()) {
    const a = splitAddress(c.address);
    body.AddressLine1 = a.line1;
    if (a.postcode) body.Postcode = a.postcode;
    if (a.city) body.City = a.city;
  }
  if (c.vatNumber?.trim()) body.VATNumber = c.vatNumber.replace(/\s+/g, '');
  if (c.siren?.trim()) body.ChamberOfCommerce = c.siren.replace(/\s+/g, '');
  return body;
}

export async function pushToExact(env: { db: Db; data: string }, req: PushRequest, api?: ExactApi): Promise<PushOutcome> {
  const from = parseDayOption('--from', req.from);
  const to = parseDayOption('--to', req.to);
  if (from > to) throw new TillsyncError('usage', `--from ${from} is after --to ${to}`, { hint: 'swap the dates' });
  const client = api ?? new ExactApi(env.data);
  const division = client.division;
  return withExportLock(env.db, env.data, () => pushLocked(env, { ...req, from, to }, client, division));
}

async function pushLocked(env: { db: Db; data: string }, req: PushRequest, api: ExactApi, division: number): Promise<PushOutcome> {
  const { db, data } = env;
  const out: PushOutcome = { status: 'empty', exportId: null, division, customers: { created: [], updated: [] }, sent: [], found: [], pdfs: 0, failed: [], problems: [], warnings: [], calls: 0, message: '' };
  const where = `${req.from === req.to ? req.from : `${req.from}..${req.to}`}${req.store ? ` store ${req.store}` : ''}${req.numbers ? ` numbers ${req.numbers.first}-${req.numbers.last}` : ''}${req.journal ? ` journal ${req.journal}` : ''}`;
  const view = readMappingView(data);
  const base = await loadBaseData(db);
  const labels = labelsOf(view, base);

  // The documents to send: posted sales entries not yet exported (by file or API), filtered.
  const entries: LedgerEntry[] = [];
  for await (const page of readLedger(db, { from: req.from, to: req.to, store: req.store ?? null, includeExported: false }, labels, 500)) {
    for (const e of page) {
      if (e.kind !== 'sales') continue;
      if (req.journal && e.journal !== req.journal) continue;
      if (req.numbers && !inRange(e.piece, req.numbers)) continue;
      entries.push(e);
    }
  }
  if (!entries.length) {
    out.message = `nothing to send to Exact Online for ${where}: no posted invoice or credit note left unsent`;
    appendDayLog(data, `EXACT push ${where}: ${out.message}`);
    return out;
  }

  // Seed 001's conditions, the file export's own checks; then what Exact itself must hold.
  const problems = new ProblemList();
  const mapping: ExactMapping = { journals: new Set(view.journals.keys()), exactJournals: view.exactJournals, accounts: view.accounts ? new Set(view.accounts.keys()) : null, vatCodes: view.vatCodes ?? new Set(base.vatRates.map((v) => v.code)), customers: labels.customers };
  for (const e of entries) {
    checkExactEntry(e, mapping, problems);
    if (e.piece.startsWith('*')) problems.add('grouped-entry', `grouped:${e.id}`, `entry ${e.id} (${e.piece}) groups several invoices: Exact takes one sales entry per invoice (post with grouping by customer)`, e.id);
  }
  const gl = new Map<string, string>();
  const journals = new Map<string, number>();
  if (!problems.size) {
    for (const a of await api.list<{ ID: string; Code: string }>('financial/GLAccounts?$select=ID,Code')) gl.set(String(a.Code).trim(), a.ID);
    for (const j of await api.list<{ Code: string; Type: number }>('financial/Journals?$select=Code,Type')) journals.set(String(j.Code).trim(), Number(j.Type));
    for (const e of entries) {
      const j = exactJournalCode(e.journal, view.exactJournals)!;
      if (!journals.has(j)) problems.add('exact-journal-missing', j, `journal ${j} does not exist in Exact Online (create it there, then server exact import-journals)`, e.id);
      else if (journals.get(j) !== 20) problems.add('exact-journal-not-sales', j, `journal ${j} is not a sales journal in Exact Online (Type ${journals.get(j)})`, e.id);
      for (const l of e.lines) if (!l.auxAccount && !(l.vatCode && !/^7/.test(l.account)) && !gl.has(l.account)) problems.add('exact-account-missing', l.account, `account ${l.account} does not exist in Exact Online (create it there first: Exact's chart prevails)`, e.id);
    }
  }
  if (problems.size) {
    out.status = 'refused';
    out.problems = problems.list;
    out.calls = api.calls;
    out.message = `Exact Online push refused for ${where}: ${problems.size} problem${problems.size > 1 ? 's' : ''} to fix first`;
    await logEvent(db, data, { severity: 'error', channel: 'export', message: `${out.message}: ${out.problems.map(describeProblem).join('; ')}` });
    return out;
  }

  // Customers: created or updated by code (Exact keeps its own GUID; we find it by Code).
  const customerIds = new Map<string, string>();
  for (const code of [...new Set(entries.map(customerOf).filter((c): c is string => c !== null))].sort()) {
    const c = labels.customers.get(code)!;
    const body = accountBody(code, c);
    const found = await api.list<{ ID: string }>(`crm/Accounts?$select=ID,Code,Name&$filter=Code eq ${odataString(exactAccountCode(code))}`);
    if (found.length) {
      await api.request('PUT', `crm/Accounts(guid'${found[0].ID}')`, body);
      customerIds.set(code, found[0].ID);
      out.customers.updated.push(code);
    } else {
      const made = await api.create<{ ID: string }>('crm/Accounts', body);
      customerIds.set(code, made.ID);
      out.customers.created.push(code);
    }
  }

  const pdfDir = req.withPdf ? mkdtempSync(join(tmpdir(), 'tillsync-exact-')) : null;
  const hash = createHash('sha256');
  let lines = 0;
  let debit = new D(0);
  let credit = new D(0);
  const recordedIds: number[] = [];
  try {
    let done = 0;
    for (const e of entries) {
      const journal = exactJournalCode(e.journal, view.exactJournals)!;
      const prior = await db.selectFrom('exact_sends').select(['id', 'state']).where('piece', '=', e.piece).where('journal', '=', journal).where('division', '=', division).orderBy('id', 'desc').executeTakeFirst();
      let exactEntry: { EntryID: string; EntryNumber: number } | null = null;
      let documentId: string | null = null;
      let sendId: number;
      if (prior) {
        const there = await api.list<{ EntryID: string; EntryNumber: number }>(`salesentry/SalesEntries?$select=EntryID,EntryNumber,YourRef,Journal&$filter=YourRef eq ${odataString(e.piece)} and Journal eq ${odataString(journal)}`);
        if (there.length) {
          exactEntry = there[0];
          out.found.push(e.piece);
        }
        sendId = prior.id;
      } else {
        const row = await db.insertInto('exact_sends').values({ piece: e.piece, journal, entry_id: e.id, state: 'sending', exact_entry_id: null, exact_entry_number: null, exact_document_id: null, export_id: null, division, started_at: nowIso(), sent_at: null }).returning('id').executeTakeFirstOrThrow();
        sendId = Number(row.id);
      }
      if (!exactEntry) {
        try {
          const customer = customerIds.get(customerOf(e)!)!;
          if (pdfDir) {
            const { files, missing } = await produceInvoiceFiles(env, [e.piece], pdfDir, base);
            if (missing.length || !files.length) out.warnings.push(`${e.piece}: no invoice document in tillsync to make a PDF of: sent without one`);
            else {
              const file = files[0].file;
              const doc = await api.create<{ ID: string }>('documents/Documents', { Subject: `Facture ${e.piece}`, Type: SALES_INVOICE_DOCUMENT, Account: customer, DocumentDate: e.pieceDate || e.date });
              await api.create('documents/DocumentAttachments', { Document: doc.ID, FileName: file.split('/').pop(), Attachment: readFileSync(file).toString('base64') });
              documentId = doc.ID;
              out.pdfs++;
            }
          }
          const { body, problem } = salesEntryBody(e, { journal, customer, glAccount: (code) => gl.get(code), currency: base.company.currency || 'EUR', document: documentId ?? undefined });
          if (!body) throw new TillsyncError('exact-entry', `${e.piece}: ${problem}`, { hint: 'fix the posting, then push again' });
          hash.update(JSON.stringify(body));
          exactEntry = await api.create<{ EntryID: string; EntryNumber: number }>('salesentry/SalesEntries', body);
          crashPoint('exact:entry-sent');
          out.sent.push(e.piece);
        } catch (err) {
          // A refusal of this document (Exact's 400, a line not tying out) leaves it for the next run; anything else stops the run.
          if (err instanceof TillsyncError && (err.code === 'exact-entry' || (err.code === 'exact-api' && err.status === 400))) {
            out.failed.push({ piece: e.piece, message: err.message });
            await logEvent(db, data, { severity: 'error', channel: 'export', message: `Exact Online refused ${e.piece}: ${err.message}` });
            continue;
          }
          throw err;
        }
      }
      out.exportId = await record(db, out.exportId, { req, division, sendId, entryId: e.id, exactEntry, documentId });
      recordedIds.push(e.id);
      for (const l of e.lines) {
        debit = debit.plus(l.debit || 0);
        credit = credit.plus(l.credit || 0);
        lines++;
      }
      req.onProgress?.(++done, entries.length);
    }
  } finally {
    if (pdfDir) rmSync(pdfDir, { recursive: true, force: true });
    await api.saveRate().catch(() => undefined);
  }

  if (out.exportId !== null) {
    await db.updateTable('exports').set({ entry_count: recordedIds.length, line_count: lines, total_debit: debit.toFixed(2), total_credit: credit.toFixed(2), first_entry: Math.min(...recordedIds), last_entry: Math.max(...recordedIds), sha256: hash.digest('hex'), pdf_count: out.pdfs, options: JSON.stringify({ division, sent: out.sent, found: out.found, customers: out.customers, failed: out.failed.map((f) => f.piece) }) }).where('id', '=', out.exportId).execute();
  }
  out.calls = api.calls;
  out.status = out.failed.length ? 'partial' : recordedIds.length ? 'sent' : 'empty';
  out.message = `Exact Online division ${division}: ${out.sent.length} sales entr${out.sent.length === 1 ? 'y' : 'ies'} sent${out.found.length ? `, ${out.found.length} already there (recorded, not sent again)` : ''}${out.pdfs ? ` with ${out.pdfs} PDF${out.pdfs > 1 ? 's' : ''}` : ''}, customers ${out.customers.created.length} created / ${out.customers.updated.length} updated${out.failed.length ? `, ${out.failed.length} refused (left for the next push)` : ''} — ${where}${out.exportId !== null ? ` (export #${out.exportId})` : ''}; ${out.calls} API calls`;
  appendDayLog(data, `EXACT push (${req.trigger ?? 'manual'}) ${out.message}`);
  for (const w of out.warnings) await logEvent(db, data, { severity: 'warning', channel: 'export', message: w });
  return out;
}

/** Marks one entry sent: its exact_sends row and its export mark, in one transaction (the run's exports row made on first use). */
async function record(db: Db, exportId: number | null, r: { req: PushRequest; division: number; sendId: number; entryId: number; exactEntry: { EntryID: string; EntryNumber: number }; documentId: string | null }): Promise<number> {
  return db.transaction().execute(async (trx) => {
    let id = exportId;
    if (id === null) {
      const row = await trx
        .insertInto('exports')
        .values({
          format: EXACT_FORMAT, file: `exact-online:division:${r.division}`, file_name: `exact-online division ${r.division}`, date_from: r.req.from, date_to: r.req.to, store: r.req.store ?? null, trigger: r.req.trigger ?? 'manual',
          include_exported: 0, entry_count: 0, line_count: 0, total_debit: '0.00', total_credit: '0.00', first_entry: null, last_entry: null, sha256: '', options: '{}', pdf_count: 0, created_at: nowIso(), mailed_to: null, mailed_at: null, mail_error: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      id = Number(row.id);
    }
    await trx.updateTable('exact_sends').set({ state: 'sent', exact_entry_id: r.exactEntry.EntryID, exact_entry_number: r.exactEntry.EntryNumber ?? null, exact_document_id: r.documentId, export_id: id, sent_at: nowIso() }).where('id', '=', r.sendId).execute();
    await trx.updateTable('entries').set({ export_id: id }).where('id', '=', r.entryId).where('export_id', 'is', null).execute();
    return id;
  });
}

export function renderPush(o: PushOutcome): string {
  return [o.message, ...o.problems.map((p) => `  ${describeProblem(p)}`), ...o.failed.map((f) => `  refused: ${f.message}`), ...o.warnings.map((w) => `  warning: ${w}`)].join('\n');
}
