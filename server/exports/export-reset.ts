/**
 * "Réinitialiser les ventes" (seed 002): makes exported entries exportable again, by entry ids
 * (`1,2,3` or `ALL`), by export run, or by piece (invoice number). The exports rows stay: they
 * are the history of what was handed to the accountant.
 */
import { TillsyncError } from '../../sync/errors.ts';
import type { Db } from '../db/database.ts';
import { appendDayLog } from '../log-book.ts';

export interface ResetRequest {
  /** Entry ids, or 'ALL' for every exported entry. */
  ids?: number[] | 'ALL';
  /** Every entry of these export runs. */
  exports?: number[];
  /** Entries whose piece is one of these (invoice numbers, *TPV… pieces). */
  pieces?: string[];
  /** Reset what this export profile exported (its export_marks), leaving every other export as it is. */
  profile?: string | null;
}

export function parseIdList(text: string, what = '--ids'): number[] | 'ALL' {
  const t = text.trim();
  if (t.toUpperCase() === 'ALL') return 'ALL';
  const parts = t.split(/[\s,;]+/).filter(Boolean);
  const ids = parts.map((p) => Number(p));
  const bad = parts.filter((_, i) => !Number.isInteger(ids[i]) || ids[i] <= 0);
  if (!parts.length || bad.length) throw new TillsyncError('usage', `${what} "${text}" is not a list of ids like 124,3,48 or ALL`, { hint: `e.g. ${what} 124,3,48` });
  return ids;
}

export async function resetExports(env: { db: Db; data: string }, req: ResetRequest): Promise<{ reset: number }> {
  if (!req.ids && !req.exports?.length && !req.pieces?.length) throw new TillsyncError('usage', 'nothing to reset', { hint: 'give --ids 1,2,3 (or ALL), --export N or --pieces NUMBER,…' });
  let reset = 0;
  if (req.profile) return resetProfile(env, req, req.profile);
  await env.db.transaction().execute(async (trx) => {
    const run = async (build: (q: ReturnType<typeof base>) => ReturnType<typeof base>) => {
      const r = await build(base()).executeTakeFirst();
      reset += Number(r.numUpdatedRows ?? 0);
    };
    const base = () => trx.updateTable('entries').set({ export_id: null }).where('export_id', 'is not', null);
    if (req.ids === 'ALL') await run((q) => q);
    else if (req.ids) for (let i = 0; i < req.ids.length; i += 500) await run((q) => q.where('id', 'in', (req.ids as number[]).slice(i, i + 500)));
    if (req.exports?.length) await run((q) => q.where('export_id', 'in', req.exports!));
    if (req.pieces?.length) for (let i = 0; i < req.pieces.length; i += 500) await run((q) => q.where('piece', 'in', req.pieces!.slice(i, i + 500)));
  });
  const what = [req.ids === 'ALL' ? 'ALL' : req.ids ? `ids ${req.ids.join(',')}` : '', req.exports?.length ? `exports ${req.exports.join(',')}` : '', req.pieces?.length ? `pieces ${req.pieces.join(',')}` : ''].filter(Boolean).join(' ');
  appendDayLog(env.data, `EXPORT-RESET ${what}: ${reset} entries exportable again`);
  return { reset };
}

/** Per profile: forget the profile's marks, so that profile exports the entries once more (others unaffected). */
async function resetProfile(env: { db: Db; data: string }, req: ResetRequest, profile: string): Promise<{ reset: number }> {
  let reset = 0;
  await env.db.transaction().execute(async (trx) => {
    const del = async (ids: number[] | null) => {
      let q = trx.deleteFrom('export_marks').where('profile', '=', profile);
      if (ids) q = q.where('entry_id', 'in', ids);
      const r = await q.executeTakeFirst();
      reset += Number(r.numDeletedRows ?? 0);
    };
    if (req.ids === 'ALL') await del(null);
    else if (req.ids) for (let i = 0; i < req.ids.length; i += 500) await del(req.ids.slice(i, i + 500));
    if (req.exports?.length) {
      const r = await trx.deleteFrom('export_marks').where('profile', '=', profile).where('export_id', 'in', req.exports).executeTakeFirst();
      reset += Number(r.numDeletedRows ?? 0);
    }
    if (req.pieces?.length) {
      for (let i = 0; i < req.pieces.length; i += 500) {
        const ids = (await trx.selectFrom('entries').select('id').where('piece', 'in', req.pieces.slice(i, i + 500)).execute()).map((r) => Number(r.id));
        if (ids.length) await del(ids);
      }
    }
  });
  appendDayLog(env.data, `EXPORT-RESET profile ${profile}: ${reset} entries exportable again by that profile`);
  return { reset };
}
