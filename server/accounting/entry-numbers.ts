/**
 * Entry numbers for the FEC (EcritureNum): given once, when an entry is validated, and kept —
 * every export of the entry, yearly file or period extract, shows the same number, and the
 * numbers advance over time without a break (LPF A47 A-1; BOI-CF-IOR-60-40-20 §100: "une séquence
 * continue"). fec_num runs over all entries; fec_journal_num inside each journal.
 *
 * Read and give under the books' write lock (the caller's transaction): the next number is the
 * highest plus one. Undoing a posting removes the latest batches only, so the numbers it frees
 * are the last ones and are given again: the sequence stays continuous.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { withBooksLock } from '../db/books-lock.ts';

export class EntryNumbering {
  private constructor(
    private last: number,
    private readonly lastByJournal: Map<string, number>,
  ) {}

  static async load(trx: Kysely<Database>): Promise<EntryNumbering> {
    const all = await trx.selectFrom('entries').select((eb) => eb.fn.max('fec_num').as('m')).executeTakeFirst();
    const rows = await trx.selectFrom('entries').select(['journal', (eb) => eb.fn.max('fec_journal_num').as('m')]).groupBy('journal').execute();
    return new EntryNumbering(Number(all?.m ?? 0), new Map(rows.map((r) => [r.journal, Number(r.m ?? 0)])));
  }

  /** The numbers of the next entry validated in `journal`. */
  next(journal: string): { fecNum: number; fecJournalNum: number } {
    const fecJournalNum = (this.lastByJournal.get(journal) ?? 0) + 1;
    this.lastByJournal.set(journal, fecJournalNum);
    return { fecNum: ++this.last, fecJournalNum };
  }
}

/**
 * Numbers entries that have none yet (written by a test fixture, or by a version before numbers),
 * in validation order, after the highest number given, under the books' write lock (posting gives
 * numbers under the same lock). Returns how many it numbered; costs one query when there are none.
 */
export async function numberUnnumberedEntries(db: Kysely<Database>): Promise<number> {
  // Mirror entries (server/imports/: copies of what the accounting software holds) are never exported: no number.
  const any = await db.selectFrom('entries').select('id').where('fec_num', 'is', null).where('kind', '!=', 'mirror').limit(1).executeTakeFirst();
  if (!any) return 0;
  return withBooksLock(db, async (trx) => {
    const rows = await trx.selectFrom('entries').select(['id', 'journal']).where('fec_num', 'is', null).where('kind', '!=', 'mirror').orderBy('id').execute();
    const numbering = await EntryNumbering.load(trx);
    for (const r of rows) {
      const n = numbering.next(r.journal);
      await trx.updateTable('entries').set({ fec_num: n.fecNum, fec_journal_num: n.fecJournalNum }).where('id', '=', r.id).execute();
    }
    return rows.length;
  });
}
