/**
 * The invoices still owed, as bank and payment imports match them: customer-account lines with a
 * lettering key, not fully lettered, summed per account + third party + key, positive (the
 * customer owes). Deposits are not invoices (the deposit account is left out). Dated by their
 * earliest line (the invoice), named by the customer of the base data.
 */
import type { Kysely } from 'kysely';
import { D, type Dec } from '../../sync/money.ts';
import type { Database } from '../db/schema.ts';
import type { BaseData } from '../../sync/types.ts';
import { customerAccounts, type AccountingMapping } from '../accounting/mapping.ts';
import type { OpenInvoice } from './bank-match.ts';

export async function loadOpenInvoices(db: Kysely<Database>, mapping: AccountingMapping, base: Pick<BaseData, 'customers'>, extraAccounts: string[] = []): Promise<OpenInvoice[]> {
  // extraAccounts: the marketplace customers' collective account (imports.json), not in the mapping.
  const accounts = [...new Set([...customerAccounts(mapping, base.customers), ...extraAccounts])].filter((a) => a !== mapping.deposits.account);
  if (!accounts.length) return [];
  const rows = await db
    .selectFrom('entry_lines as l')
    .innerJoin('entries as e', 'e.id', 'l.entry_id')
    .leftJoin('letterings as g', 'g.id', 'l.lettering_id')
    .select(['l.account', 'l.aux_account', 'l.aux_label', 'l.letter_key', 'l.debit', 'l.credit', 'e.entry_date'])
    .where('l.letter_key', 'is not', null)
    .where('l.account', 'in', accounts)
    .where((eb) => eb.or([eb('l.lettering_id', 'is', null), eb('g.partial', '=', 1)]))
    .orderBy('e.entry_date')
    .orderBy('l.id')
    .execute();
  const byThirdParty = new Map<string, { code: string; name: string }>();
  for (const c of base.customers) {
    const tp = c.thirdParty ?? c.code;
    if (!byThirdParty.has(tp) || c.code === tp) byThirdParty.set(tp, { code: c.code, name: c.name });
  }
  const groups = new Map<string, { inv: OpenInvoice; sum: Dec }>();
  for (const r of rows) {
    const id = `${r.account}\u0000${r.aux_account ?? ''}\u0000${r.letter_key}`;
    let g = groups.get(id);
    if (!g) {
      const who = byThirdParty.get(r.aux_account ?? '');
      g = { inv: { account: r.account, aux: r.aux_account, customer: who?.code ?? r.aux_account ?? '', name: who?.name ?? r.aux_label ?? '', key: r.letter_key!, date: r.entry_date, open: new D(0) }, sum: new D(0) };
      groups.set(id, g);
    }
    g.sum = g.sum.plus(r.debit).minus(r.credit);
  }
  const out: OpenInvoice[] = [];
  for (const g of groups.values()) if (g.sum.gt(0)) out.push({ ...g.inv, open: g.sum });
  return out;
}
