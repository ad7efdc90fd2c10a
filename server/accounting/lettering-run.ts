/**
 * `server letter`: letters whatever posting left unlettered (posting letters as it goes, so this
 * normally finds nothing; it repairs books written by an older version or by hand). A run that
 * changes something is a 'lettering' batch, undoable like a posting; the lettering invariant is
 * checked before commit.
 */
import type { Kysely } from 'kysely';
import { TillsyncError, type BooksError } from '../../sync/errors.ts';
import type { Database } from '../db/schema.ts';
import { nowIso } from '../db/dialect.ts';
import { appendDayLog } from '../log-book.ts';
import { withBooksLock } from '../db/books-lock.ts';
import { syncSequences } from './bulk-insert.ts';
import { InvariantLedger, invariantLines, LETTERING_CHECK, type InvariantLine } from './invariants.ts';
import { planLettering } from './lettering.ts';
import { LetteringWriter } from './lettering-store.ts';
import { loadMapping, type AccountingMapping } from './mapping.ts';

export interface LetteringSummary {
  batch: number | null;
  keysExamined: number;
  groups: number;
  partial: number;
  invariants: InvariantLine[];
}

/**
 * Letters keys of lines already stored (`server letter`, the imports' books-writer.ts): the
 * lettering pass between its snapshot and its writes, then the validate pass's lettering check
 * (the only invariant such a run can break: it posts no sales). The caller throws on `broken`.
 */
export async function letterStoredKeys(trx: Kysely<Database>, batchId: number, mapping: AccountingMapping, keys: { account: string; aux: string | null; key: string }[]): Promise<{ letters: LetteringWriter; invariant: InvariantLine; broken: BooksError | undefined }> {
  const letters = new LetteringWriter(trx, batchId);
  await letters.init();
  await letters.write(planLettering(await letters.snapshot([], keys)).result);
  const inv = new InvariantLedger(mapping);
  inv.addLettering(letters.groups);
  const v = inv.validate();
  return { letters, invariant: invariantLines(v).find((c) => c.name === LETTERING_CHECK)!, broken: v.errors.find((e) => e.ref.check === LETTERING_CHECK) };
}

export async function runLettering(db: Kysely<Database>, data: string): Promise<LetteringSummary> {
  const mapping = loadMapping(data);
  const s = await withBooksLock(db, async (trx) => {
    const keys = (
      await trx.selectFrom('entry_lines').select(['account', 'aux_account', 'letter_key']).distinct().where('letter_key', 'is not', null).where('lettering_id', 'is', null).execute()
    ).map((r) => ({ account: r.account, aux: r.aux_account, key: r.letter_key! }));
    const out: LetteringSummary = { batch: null, keysExamined: keys.length, groups: 0, partial: 0, invariants: [] };
    if (!keys.length) return out;
    const row = await trx
      .insertInto('batches')
      .values({ kind: 'lettering', status: 'running', started_at: nowIso(), finished_at: null, params: '{}', summary: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const batchId = Number(row.id);
    const { letters, invariant, broken } = await letterStoredKeys(trx, batchId, mapping, keys);
    out.invariants = [invariant];
    if (broken) throw new TillsyncError('invariant-broken', `lettering rolled back: ${broken.message}`, { hint: 'nothing was written', ref: broken.ref, status: 500 });
    out.groups = letters.groups.length;
    out.partial = letters.groups.filter((g) => g.partial).length;
    if (!letters.changed) {
      await trx.deleteFrom('batches').where('id', '=', batchId).execute();
      return out;
    }
    out.batch = batchId;
    await syncSequences(trx, ['letterings']);
    await trx.updateTable('batches').set({ status: 'done', finished_at: nowIso(), summary: JSON.stringify(out) }).where('id', '=', batchId).execute();
    await trx.insertInto('log_book').values({ at: nowIso(), severity: 'info', channel: 'lettering', file: null, till: null, ticket: null, message: describeLettering(out) }).execute();
    return out;
  });
  appendDayLog(data, `INFO [lettering] ${describeLettering(s)}`);
  return s;
}

export function describeLettering(s: LetteringSummary): string {
  if (s.batch === null) return `nothing new to letter (${s.keysExamined} open key(s) examined, all still waiting for their counterpart)`;
  return `batch ${s.batch}: ${s.groups} group(s) lettered, ${s.partial} partial (${s.keysExamined} open key(s) examined)`;
}
