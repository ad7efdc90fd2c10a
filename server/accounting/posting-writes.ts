/**
 * What a posting run reads and writes for each chunk, inside the run's transaction: entries and
 * their lines (with the lettering the pass gave them, numbered once and for good), the open items
 * settlement planning needs and the items it planned, and the marks that keep a rerun from posting
 * twice. The decisions are the pure passes'; posting-run.ts calls them in between.
 * Ids are taken from the tables' maxima under the books lock and the sequences set at the end.
 */
import type { Kysely } from 'kysely';
import { D, type Decimals } from '../../sync/money.ts';
import type { Database } from '../db/schema.ts';
import { insertRows, nextId, rowWriter, syncSequences, type RowWriter } from './bulk-insert.ts';
import { EntryNumbering } from './entry-numbers.ts';
import type { PostedBooks } from './ledger-types.ts';
import type { OpenItem, SettlementPlan } from './settlements.ts';
import { unitsOf, unitsText } from './units.ts';

const IN_CHUNK = 500;

type Value = string | number | null;
const ENTRY_COLUMNS = ['id', 'batch_id', 'journal', 'entry_date', 'piece', 'label', 'kind', 'validated_at', 'export_id', 'fec_num', 'fec_journal_num'] as const;
const LINE_COLUMNS = ['id', 'entry_id', 'line_no', 'account', 'aux_account', 'aux_label', 'label', 'debit', 'credit', 'vat_code', 'document_number', 'lettering_id', 'letter_key'] as const;
const SETTLEMENT_COLUMNS = ['id', 'batch_id', 'kind', 'customer', 'third_party', 'document_number', 'ticket_id', 'mode', 'state', 'amount', 'open_amount', 'day', 'parent_id', 'closed_batch', 'created_at'] as const;
const ENTRY_TYPES = ['int8', 'int8', 'text', 'text', 'text', 'text', 'text', 'text', 'int8', 'int8', 'int8'] as const;
const LINE_TYPES = ['int8', 'int8', 'int8', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'int8', 'text'] as const;
const SETTLEMENT_TYPES = ['int8', 'int8', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'int8', 'int8', 'text'] as const;

export class PostingWriter {
  private constructor(
    private readonly trx: Kysely<Database>,
    private readonly batchId: number,
    private readonly now: string,
    private readonly d: Decimals,
    private readonly rows: RowWriter,
    private readonly numbering: EntryNumbering,
    private entryId: number,
    private lineId: number,
    private settlementId: number,
  ) {}

  static async open(trx: Kysely<Database>, batchId: number, now: string, d: Decimals): Promise<PostingWriter> {
    // Entry numbers (FEC EcritureNum) are given here, at validation, once and for good.
    const numbering = await EntryNumbering.load(trx);
    return new PostingWriter(trx, batchId, now, d, rowWriter(trx), numbering, await nextId(trx, 'entries'), await nextId(trx, 'entry_lines'), await nextId(trx, 'settlements'));
  }

  /**
   * The chunk's entries and lines, with the lettering already given to them: `lettered` maps a
   * line's index among the chunk's lines (as letterLinesOf counts them) to its lettering id.
   */
  async writeEntries(r: PostedBooks, lettered: ReadonlyMap<number, number>): Promise<{ entries: number; lines: number }> {
    const entryValues: Value[] = [];
    const lineValues: Value[] = [];
    let k = 0;
    for (const e of r.entries) {
      const id = this.entryId++;
      const num = this.numbering.next(e.journal);
      entryValues.push(id, this.batchId, e.journal, e.date, e.piece, e.label, e.kind, this.now, null, num.fecNum, num.fecJournalNum);
      for (let n = 0; n < e.lines.length; n++) {
        const l = e.lines[n];
        lineValues.push(this.lineId++, id, n + 1, l.account, l.aux, l.auxLabel, l.label, unitsText(l.amount > 0 ? l.amount : 0, this.d), unitsText(l.amount < 0 ? -l.amount : 0, this.d), l.vatCode, l.documentNumber, lettered.get(k) ?? null, l.letterKey);
        k++;
      }
    }
    await this.rows.insertFlat('entries', ENTRY_COLUMNS, entryValues, ENTRY_TYPES);
    await this.rows.insertFlat('entry_lines', LINE_COLUMNS, lineValues, LINE_TYPES);
    return { entries: r.entries.length, lines: k };
  }

  /** Settlement items the chunk creates, and the open ones it pays or uses (closed when used up). */
  async writeSettlements(plan: SettlementPlan): Promise<number> {
    const first = this.settlementId;
    this.settlementId += plan.items.length;
    // Grown by push (a large preallocated array would be a slow dictionary-mode one).
    const values: Value[] = [];
    for (let i = 0; i < plan.items.length; i++) {
      const it = plan.items[i];
      const parent = it.parent === null ? null : 'db' in it.parent ? it.parent.db : first + it.parent.local;
      values.push(first + i, this.batchId, it.kind, it.customer, it.thirdParty, it.documentNumber, it.ticketId, it.mode, it.state, unitsText(it.amount, this.d), unitsText(it.open, this.d), it.day, parent, it.closed ? this.batchId : null, this.now);
    }
    await this.rows.insertFlat('settlements', SETTLEMENT_COLUMNS, values, SETTLEMENT_TYPES);
    for (let i = 0; i < plan.closeIds.length; i += IN_CHUNK) {
      await this.trx.updateTable('settlements').set({ closed_batch: this.batchId }).where('id', 'in', plan.closeIds.slice(i, i + IN_CHUNK)).execute();
    }
    return plan.items.length;
  }

  /** The open items of the documents and orders a chunk pays or uses (settlement planning's snapshot). */
  async openItems(refs: string[]): Promise<OpenItem[]> {
    const open: OpenItem[] = [];
    for (let i = 0; i < refs.length; i += IN_CHUNK) {
      const rows = await this.trx
        .selectFrom('settlements')
        .selectAll()
        .where('document_number', 'in', refs.slice(i, i + IN_CHUNK))
        .where('kind', 'in', ['receivable', 'deposit'])
        .where('closed_batch', 'is', null)
        .orderBy('id')
        .execute();
      for (const x of rows) open.push({ id: Number(x.id), kind: x.kind as OpenItem['kind'], customer: x.customer, thirdParty: x.third_party, documentNumber: x.document_number, ticketId: x.ticket_id, mode: x.mode, state: x.state, amount: unitsOf(new D(x.amount)), open: unitsOf(new D(x.open_amount)), day: x.day });
    }
    return open.sort((a, b) => a.id - b.id);
  }

  /** What the chunk posted is marked, so a rerun never posts it twice. */
  async markPosted(r: PostedBooks): Promise<void> {
    const ids = r.postedDocuments.map((x) => x.id);
    for (let i = 0; i < ids.length; i += IN_CHUNK) {
      await this.trx.updateTable('documents').set({ posting_batch: this.batchId }).where('id', 'in', ids.slice(i, i + IN_CHUNK)).where('posting_batch', 'is', null).execute();
    }
    await insertRows(this.trx, 'posted_tickets', ['ticket_id', 'batch_id'], r.postedPaymentOnly.map((id) => [id, this.batchId]));
  }

  /** Sequences past the ids taken (PostgreSQL), at the end of the run. */
  async finish(): Promise<void> {
    await syncSequences(this.trx, ['entries', 'entry_lines', 'letterings', 'settlements']);
  }
}
