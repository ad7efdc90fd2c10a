/** Posted journal entries read back for the back office, in the same shape as the posting preview. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { EntryView } from './feature-calls.ts';

export interface EntryFilter {
  from?: string;
  to?: string;
  journal?: string;
  piece?: string;
  account?: string;
  batch?: number;
  limit?: number;
}

export async function searchEntries(db: Kysely<Database>, f: EntryFilter): Promise<EntryView[]> {
  let q = db.selectFrom('entries').selectAll();
  if (f.from) q = q.where('entry_date', '>=', f.from);
  if (f.to) q = q.where('entry_date', '<=', f.to);
  if (f.journal) q = q.where('journal', '=', f.journal);
  if (f.piece) q = q.where('piece', 'like', `%${f.piece}%`);
  if (f.batch) q = q.where('batch_id', '=', f.batch);
  if (f.account) {
    const account = f.account;
    q = q.where('id', 'in', db.selectFrom('entry_lines').select('entry_id').where((eb) => eb.or([eb('account', 'like', `${account}%`), eb('aux_account', '=', account)])));
  }
  const entries = await q.orderBy('id', 'desc').limit(f.limit ?? 200).execute();
  if (!entries.length) return [];
  const lines = await db
    .selectFrom('entry_lines')
    .selectAll()
    .where(
      'entry_id',
      'in',
      entries.map((e) => e.id),
    )
    .orderBy('entry_id')
    .orderBy('line_no')
    .execute();
  const byEntry = new Map<number, typeof lines>();
  for (const l of lines) {
    const k = Number(l.entry_id);
    if (!byEntry.has(k)) byEntry.set(k, []);
    byEntry.get(k)!.push(l);
  }
  return entries.reverse().map((e) => {
    const ls = byEntry.get(Number(e.id)) ?? [];
    return {
      no: Number(e.id),
      journal: e.journal,
      date: e.entry_date,
      piece: e.piece,
      kind: e.kind,
      documents: [...new Set(ls.map((l) => l.document_number).filter((d): d is string => Boolean(d)))],
      tickets: [],
      provides: [],
      needs: [],
      lines: ls.map((l) => ({ account: l.account, auxAccount: l.aux_account, name: l.aux_label ?? '', label: l.label, vatCode: l.vat_code, vatRate: null, debit: l.debit, credit: l.credit, document: l.document_number })),
    };
  });
}

export async function journalCodes(db: Kysely<Database>): Promise<string[]> {
  return (await db.selectFrom('entries').select('journal').distinct().orderBy('journal').execute()).map((r) => r.journal);
}
