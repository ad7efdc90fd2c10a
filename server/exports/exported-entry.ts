/**
 * Whether any entry of some batches has left for the accountant — by an export without a profile
 * (entries.export_id) or by an export profile (export_marks). Every undo asks this one question:
 * an exported entry is in someone else's books and is corrected by a new entry, never removed.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export interface ExportedEntry {
  batchId: number;
  piece: string;
  exportId: number;
  /** The export profile that took it, or null for an export without a profile. */
  profile: string | null;
}

export async function firstExportedEntry(trx: Kysely<Database>, batches: number[]): Promise<ExportedEntry | undefined> {
  if (!batches.length) return undefined;
  const plain = await trx.selectFrom('entries').select(['batch_id', 'piece', 'export_id']).where('batch_id', 'in', batches).where('export_id', 'is not', null).orderBy('id').executeTakeFirst();
  if (plain) return { batchId: Number(plain.batch_id), piece: plain.piece, exportId: Number(plain.export_id), profile: null };
  const marked = await trx
    .selectFrom('export_marks as m')
    .innerJoin('entries as e', 'e.id', 'm.entry_id')
    .select(['e.batch_id', 'e.piece', 'm.export_id', 'm.profile'])
    .where('e.batch_id', 'in', batches)
    .orderBy('e.id')
    .executeTakeFirst();
  return marked ? { batchId: Number(marked.batch_id), piece: marked.piece, exportId: Number(marked.export_id), profile: marked.profile } : undefined;
}

/** "(export 4)" or "by profile cabinet-sage (export 4)": what follows "was exported" in a refusal. */
export function exportNote(e: ExportedEntry): string {
  return e.profile ? `by profile ${e.profile} (export ${e.exportId})` : `(export ${e.exportId})`;
}
