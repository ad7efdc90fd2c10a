/**
 * The store's reference data (articles, customers, VAT rates, payment modes, company) kept in
 * base_items: the source for integration checks, base-file bundles and replication to tills.
 */
import type { Kysely } from 'kysely';
import type { Database } from './db/schema.ts';
import type { BaseData } from '../sync/types.ts';
import { canonicalJson } from '../sync/ticket-chain.ts';

type Kind = Database['base_items']['kind'];

function rowsOf(base: BaseData): { kind: Kind; code: string; content: string }[] {
  return [
    ...base.vatRates.map((v) => ({ kind: 'vat' as const, code: v.code, content: canonicalJson(v) })),
    ...base.paymentModes.map((m) => ({ kind: 'payment-mode' as const, code: m.code, content: canonicalJson(m) })),
    ...base.customers.map((c) => ({ kind: 'customer' as const, code: c.code, content: canonicalJson(c) })),
    ...base.articles.map((a) => ({ kind: 'article' as const, code: a.code, content: canonicalJson(a) })),
    { kind: 'company' as const, code: 'company', content: canonicalJson(base.company) },
  ];
}

/** Upserts the given base data; rows whose content did not change keep their updated_at. Returns rows changed. */
export async function saveBaseData(db: Kysely<Database>, base: BaseData, at = new Date().toISOString()): Promise<number> {
  const existing = new Map((await db.selectFrom('base_items').select(['kind', 'code', 'content', 'deleted']).execute()).map((r) => [`${r.kind}:${r.code}`, r]));
  const changed = rowsOf(base).filter((r) => {
    const e = existing.get(`${r.kind}:${r.code}`);
    return !e || e.content !== r.content || e.deleted;
  });
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < changed.length; i += 500) {
      const chunk = changed.slice(i, i + 500).map((r) => ({ ...r, updated_at: at, deleted: 0 }));
      await trx
        .insertInto('base_items')
        .values(chunk)
        .onConflict((oc) => oc.columns(['kind', 'code']).doUpdateSet((eb) => ({ content: eb.ref('excluded.content'), updated_at: eb.ref('excluded.updated_at'), deleted: eb.ref('excluded.deleted') })))
        .execute();
    }
  });
  return changed.length;
}

export async function loadBaseData(db: Kysely<Database>): Promise<BaseData> {
  const rows = await db.selectFrom('base_items').select(['kind', 'content']).where('deleted', '=', 0).orderBy('kind').orderBy('code').execute();
  const base: BaseData = { vatRates: [], articles: [], customers: [], paymentModes: [], company: { name: '', siren: '', address: '', vatNumber: '', currency: 'EUR' } };
  for (const r of rows) {
    const v = JSON.parse(r.content);
    if (r.kind === 'vat') base.vatRates.push(v);
    else if (r.kind === 'article') base.articles.push(v);
    else if (r.kind === 'customer') base.customers.push(v);
    else if (r.kind === 'payment-mode') base.paymentModes.push(v);
    else if (r.kind === 'company') base.company = v;
  }
  return base;
}
