/**
 * Open items per customer, read from the posted customer-account lines (not lettered, or in a
 * partial lettering) and the open settlement items (effets). Sums are decimal, never SQL floats.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { D, sum } from '../../sync/money.ts';

export interface CustomerBalance {
  auxAccount: string;
  account: string;
  name: string;
  openLines: number;
  balance: string;
  openSettlements: number;
  openSettlementAmount: string;
}

export async function customersWithOpenItems(db: Kysely<Database>): Promise<CustomerBalance[]> {
  const lines = await db
    .selectFrom('entry_lines')
    .leftJoin('letterings', 'letterings.id', 'entry_lines.lettering_id')
    .select(['entry_lines.account', 'entry_lines.aux_account', 'entry_lines.aux_label', 'entry_lines.debit', 'entry_lines.credit'])
    .where('entry_lines.aux_account', 'is not', null)
    .where((eb) => eb.or([eb('entry_lines.lettering_id', 'is', null), eb('letterings.partial', '=', 1)]))
    .execute();
  const settlements = await db.selectFrom('settlements').select(['third_party', 'customer', 'open_amount']).execute();
  const map = new Map<string, { account: string; name: string; n: number; amounts: string[]; sn: number; samounts: string[] }>();
  const get = (aux: string, account = '', name = '') => {
    let m = map.get(aux);
    if (!m) map.set(aux, (m = { account, name, n: 0, amounts: [], sn: 0, samounts: [] }));
    if (!m.account && account) m.account = account;
    if (!m.name && name) m.name = name;
    return m;
  };
  for (const l of lines) {
    const m = get(l.aux_account as string, l.account, l.aux_label ?? '');
    m.n++;
    m.amounts.push(new D(l.debit || '0').minus(l.credit || '0').toString());
  }
  for (const s of settlements) {
    if (new D(s.open_amount || '0').isZero()) continue;
    const m = get(s.third_party || s.customer);
    m.sn++;
    m.samounts.push(s.open_amount);
  }
  return [...map.entries()]
    .map(([aux, m]) => ({ auxAccount: aux, account: m.account, name: m.name || aux, openLines: m.n, balance: sum(m.amounts).toFixed(2), openSettlements: m.sn, openSettlementAmount: sum(m.samounts).toFixed(2) }))
    .filter((c) => c.openLines > 0 || c.openSettlements > 0)
    .sort((a, b) => a.auxAccount.localeCompare(b.auxAccount));
}

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

export async function customerSettlements(db: Kysely<Database>, aux: string) {
  return db
    .selectFrom('settlements')
    .selectAll()
    .where((eb) => eb.or([eb('third_party', '=', aux), eb('customer', '=', aux)]))
    .orderBy('id')
    .limit(1000)
    .execute();
}
