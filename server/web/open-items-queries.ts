/** A customer's account history, lettered lines included, for the lettering view of the back office. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export async function customerAccountLines(db: Kysely<Database>, aux: string, onlyOpen: boolean) {
  let q = db
    .selectFrom('entry_lines')
    .innerJoin('entries', 'entries.id', 'entry_lines.entry_id')
    .leftJoin('letterings', 'letterings.id', 'entry_lines.lettering_id')
    .select([
      'entry_lines.id',
      'entries.journal',
      'entries.entry_date',
      'entries.piece',
      'entry_lines.account',
      'entry_lines.label',
      'entry_lines.document_number',
      'entry_lines.debit',
      'entry_lines.credit',
      'letterings.code as lettering_code',
      'letterings.partial as lettering_partial',
    ])
    .where('entry_lines.aux_account', '=', aux);
  if (onlyOpen) q = q.where((eb) => eb.or([eb('entry_lines.lettering_id', 'is', null), eb('letterings.partial', '=', 1)]));
  return q.orderBy('entries.entry_date').orderBy('entry_lines.id').limit(2000).execute();
}
