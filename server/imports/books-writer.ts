/**
 * The one write path of the imports: what an import decided (entries, new open items, payments
 * of open items, the outside items it took in) goes into the books as ONE batch in ONE
 * transaction under the books' write lock, then the keys it touched are lettered by accounting's
 * own lettering writer and the invariants are checked before commit (each entry balances, each
 * lettered group sums to zero unless partial). A broken invariant rolls everything back.
 *
 * Import batches are accounting batches (server/accounting/undo-posting.ts): `server undo
 * --batch N` removes their entries, letterings and settlement items like a posting's, and their
 * import_records stop counting (only records of done batches make an item "already imported").
 */
import type { Kysely } from 'kysely';
import { TillsyncError, type BooksError } from '../../sync/errors.ts';
import { D, fmt, type Dec, type Decimals } from '../../sync/money.ts';
import type { Database } from '../db/schema.ts';
import { nowIso } from '../db/dialect.ts';
import { syncSequences } from '../accounting/bulk-insert.ts';
import { EntryNumbering } from '../accounting/entry-numbers.ts';
import type { Consumption, SettlementDraft } from '../accounting/ledger-types.ts';
import { letterStoredKeys } from '../accounting/lettering-run.ts';
import type { AccountingMapping } from '../accounting/mapping.ts';
import { planSettlements, type OpenItem } from '../accounting/settlements.ts';
import { unitsOf, unitsText } from '../accounting/units.ts';

export type ImportSource = 'receivable' | 'bank' | 'payment' | 'sale';

/** Batch kinds of the imports; undo-posting.ts undoes the first three like postings, sales-undo.ts the last (it also gives numbers back). */
export const IMPORT_BATCH_KINDS = ['import-receivables', 'import-bank', 'import-payments', 'import-sales'] as const;
export type ImportBatchKind = (typeof IMPORT_BATCH_KINDS)[number];

export interface ImportLine {
  account: string;
  aux: string | null;
  auxLabel: string | null;
  label: string;
  debit: Dec;
  credit: Dec;
  documentNumber: string | null;
  /** Lines with the same account, third party and key letter together (the invoice number). */
  letterKey: string | null;
}

export interface ImportEntry {
  journal: string;
  date: string;
  piece: string;
  label: string;
  /**
   * treasury: a bank entry tillsync owns (exported); mirror: a copy of the accounting software's
   * (never exported); marketplace-sales / purchase: a marketplace invoice and its commission.
   */
  kind: 'treasury' | 'mirror' | 'marketplace-sales' | 'purchase';
  lines: ImportLine[];
}

export interface ImportRecord {
  source: ImportSource;
  key: string;
  file: string;
  line: number;
  detail: unknown;
}

export interface ImportWrite {
  entries: ImportEntry[];
  /** New open items (outside receivables). */
  receivables: SettlementDraft[];
  /** Payments of open receivables, by invoice number. */
  consumptions: Consumption[];
  records: ImportRecord[];
}

export interface ImportWriteResult {
  batch: number;
  entries: number;
  lettering: { groups: number; partial: number };
  settlements: number;
  warnings: BooksError[];
}

/** Keys already taken in by a done batch, among `keys`. */
export async function alreadyImported(db: Kysely<Database>, source: ImportSource, keys: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await db
      .selectFrom('import_records as r')
      .innerJoin('batches as b', 'b.id', 'r.batch_id')
      .select(['r.item_key', 'r.batch_id'])
      .where('r.source', '=', source)
      .where('b.status', '=', 'done')
      .where('r.item_key', 'in', keys.slice(i, i + 500))
      .execute();
    for (const r of rows) out.set(r.item_key, Number(r.batch_id));
  }
  return out;
}

/** Must run inside withBooksLock's transaction. */
export async function writeImportBatch(trx: Kysely<Database>, mapping: AccountingMapping, kind: ImportBatchKind, params: unknown, w: ImportWrite): Promise<ImportWriteResult> {
  const d = mapping.rounding.decimals as Decimals;
  const now = nowIso();
  const row = await trx
    .insertInto('batches')
    .values({ kind, status: 'running', started_at: now, finished_at: null, params: JSON.stringify(params), summary: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const batchId = Number(row.id);

  const keys = new Map<string, { account: string; aux: string | null; key: string }>();
  // FEC numbers are given at validation (continuous sequence); mirror entries are never exported: none.
  const numbering = await EntryNumbering.load(trx);
  for (const e of w.entries) {
    let debit: Dec = new D(0);
    let credit: Dec = new D(0);
    for (const l of e.lines) {
      debit = debit.plus(l.debit);
      credit = credit.plus(l.credit);
    }
    if (!debit.eq(credit)) throw new TillsyncError('invariant-broken', `import rolled back: entry ${e.piece} does not balance (debit ${fmt(debit, d)}, credit ${fmt(credit, d)})`, { hint: 'nothing was written', status: 500 });
    const ent = await trx
      .insertInto('entries')
      .values({ batch_id: batchId, journal: e.journal, entry_date: e.date, piece: e.piece, label: e.label, kind: e.kind, validated_at: now, export_id: null, ...(e.kind === 'mirror' ? {} : (({ fecNum, fecJournalNum }) => ({ fec_num: fecNum, fec_journal_num: fecJournalNum }))(numbering.next(e.journal))) })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('entry_lines')
      .values(
        e.lines.map((l, n) => ({
          entry_id: Number(ent.id), line_no: n + 1, account: l.account, aux_account: l.aux, aux_label: l.auxLabel, label: l.label,
          debit: fmt(l.debit, d), credit: fmt(l.credit, d), vat_code: null, document_number: l.documentNumber, lettering_id: null, letter_key: l.letterKey,
        })),
      )
      .execute();
    for (const l of e.lines) if (l.letterKey) keys.set(`${l.account}\u0000${l.aux ?? ''}\u0000${l.letterKey}`, { account: l.account, aux: l.aux, key: l.letterKey });
  }

  const { letters, broken } = await letterStoredKeys(trx, batchId, mapping, [...keys.values()]);
  if (broken) throw new TillsyncError('invariant-broken', `import rolled back: ${broken.message}`, { hint: 'nothing was written', ref: broken.ref, status: 500 });
  await syncSequences(trx, ['letterings']);

  const refs = [...new Set(w.consumptions.map((c) => c.ref))];
  const open: OpenItem[] = [];
  for (let i = 0; i < refs.length; i += 500) {
    const rows = await trx.selectFrom('settlements').selectAll().where('document_number', 'in', refs.slice(i, i + 500)).where('kind', '=', 'receivable').where('closed_batch', 'is', null).orderBy('id').execute();
    for (const x of rows) open.push({ id: Number(x.id), kind: 'receivable', customer: x.customer, thirdParty: x.third_party, documentNumber: x.document_number, ticketId: x.ticket_id, mode: x.mode, state: x.state, amount: unitsOf(new D(x.amount)), open: unitsOf(new D(x.open_amount)), day: x.day });
  }
  const { result: plan, errors: warnings } = planSettlements({ existing: open, created: w.receivables, consumptions: w.consumptions });
  const ids: number[] = [];
  for (const it of plan.items) {
    const parent = it.parent === null ? null : 'db' in it.parent ? it.parent.db : ids[it.parent.local];
    const ins = await trx
      .insertInto('settlements')
      .values({
        batch_id: batchId, kind: it.kind, customer: it.customer, third_party: it.thirdParty, document_number: it.documentNumber, ticket_id: it.ticketId, mode: it.mode, state: it.state,
        amount: unitsText(it.amount, d), open_amount: unitsText(it.open, d), day: it.day, parent_id: parent, closed_batch: it.closed ? batchId : null, created_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.push(Number(ins.id));
  }
  if (plan.closeIds.length) await trx.updateTable('settlements').set({ closed_batch: batchId }).where('id', 'in', plan.closeIds).execute();

  for (let i = 0; i < w.records.length; i += 200) {
    await trx
      .insertInto('import_records')
      .values(w.records.slice(i, i + 200).map((r) => ({ source: r.source, item_key: r.key, batch_id: batchId, file: r.file, line: r.line, detail: JSON.stringify(r.detail) })))
      .execute();
  }
  const result: ImportWriteResult = {
    batch: batchId,
    entries: w.entries.length,
    lettering: { groups: letters.groups.length, partial: letters.groups.filter((g) => g.partial).length },
    settlements: plan.items.length,
    warnings: warnings.map((x) => ({ ...x, source: 'imports', message: x.message.replace(/^ticket /, '') })),
  };
  await trx.updateTable('batches').set({ status: 'done', finished_at: nowIso(), summary: JSON.stringify(result) }).where('id', '=', batchId).execute();
  return result;
}
