/**
 * What each customer still owes: the customer-account lines not fully lettered (unlettered, or in a
 * partial lettering), by lettering key, and the settlement items still open (credit sales waiting in
 * their state, deposits not used yet). The ledger is the authority for the amount; the effets say
 * how it is expected to come in.
 */
import type { Kysely } from 'kysely';
import { D, fmt, type Dec, type Decimals } from '../../sync/money.ts';
import type { Database } from '../db/schema.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { loadBaseData } from '../base-data.ts';
import { customerResolver, loadMapping } from './mapping.ts';

export interface OpenLineGroup {
  account: string;
  key: string;
  date: string;
  debit: string;
  credit: string;
  /** debit − credit: positive = owed by the customer, negative = owed to the customer. */
  open: string;
  lettering: string | null;
  partial: boolean;
}

export interface OpenEffet {
  id: number;
  kind: string;
  state: string;
  mode: string;
  documentNumber: string | null;
  day: string;
  open: string;
}

export interface CustomerOpenItems {
  thirdParty: string;
  /** Customer codes posted under this third party. */
  customers: string[];
  name: string;
  /** Σ open on customer accounts: what the customer owes (negative: a credit in their favour). */
  owed: string;
  /** Deposits received and not used yet (on the deposit account). */
  deposits: string;
  lines: OpenLineGroup[];
  effets: OpenEffet[];
}

export interface OpenItemsReport {
  customers: CustomerOpenItems[];
  totalOwed: string;
  totalDeposits: string;
}

/**
 * A customer code nobody knows would otherwise resolve to the default third party and answer for
 * the counter customers ("nothing open", or someone else's debts): refuse it. Known = in the base
 * data, in the mapping's overrides, or on a ticket received.
 */
async function requireKnownCustomer(db: Kysely<Database>, code: string, inBaseOrMapping: boolean): Promise<void> {
  if (inBaseOrMapping) return;
  const seen = await db.selectFrom('tickets').select('id').where('customer', '=', code).limit(1).executeTakeFirst();
  if (seen) return;
  throw new TillsyncError('unknown-customer', `no customer ${code}: not in the base data, the accounting mapping or any ticket received`, {
    hint: 'check the code (tillsync server status lists the base data; customer codes look like C0000001)',
    status: 404,
  });
}

export async function openItems(db: Kysely<Database>, data: string, opts: { customer?: string } = {}): Promise<OpenItemsReport> {
  const mapping = loadMapping(data);
  const d = mapping.rounding.decimals as Decimals;
  const base = await loadBaseData(db);
  const resolve = customerResolver(mapping, base.customers);
  if (opts.customer) await requireKnownCustomer(db, opts.customer, base.customers.some((c) => c.code === opts.customer) || Object.hasOwn(mapping.customers.overrides, opts.customer));
  const only = opts.customer ? resolve(opts.customer) : null;

  let q = db
    .selectFrom('entry_lines as l')
    .innerJoin('entries as e', 'e.id', 'l.entry_id')
    .leftJoin('letterings as g', 'g.id', 'l.lettering_id')
    .select(['l.account', 'l.aux_account', 'l.aux_label', 'l.letter_key', 'l.debit', 'l.credit', 'e.entry_date', 'g.code', 'g.partial'])
    .where('l.letter_key', 'is not', null)
    .where((eb) => eb.or([eb('l.lettering_id', 'is', null), eb('g.partial', '=', 1)]));
  if (only) q = q.where('l.aux_account', '=', only.thirdParty);
  const rows = await q.orderBy('e.entry_date').orderBy('l.id').execute();

  let eq = db.selectFrom('settlements').select(['id', 'kind', 'state', 'mode', 'document_number', 'day', 'open_amount', 'third_party', 'customer']).where('closed_batch', 'is', null).where('kind', 'in', ['receivable', 'deposit']);
  if (only) eq = eq.where('third_party', '=', only.thirdParty);
  const effets = await eq.orderBy('id').execute();

  const byAux = new Map<string, { c: CustomerOpenItems; groups: Map<string, { g: OpenLineGroup; debit: Dec; credit: Dec }>; owed: Dec; deposits: Dec; codes: Set<string> }>();
  const entry = (aux: string, label: string | null) => {
    let x = byAux.get(aux);
    if (!x) {
      x = { c: { thirdParty: aux, customers: [], name: label ?? aux, owed: '0', deposits: '0', lines: [], effets: [] }, groups: new Map(), owed: new D(0), deposits: new D(0), codes: new Set() };
      byAux.set(aux, x);
    }
    return x;
  };
  for (const r of rows) {
    const x = entry(r.aux_account ?? '', r.aux_label);
    const id = `${r.account}\u0000${r.letter_key}`;
    let grp = x.groups.get(id);
    if (!grp) {
      grp = { g: { account: r.account, key: r.letter_key!, date: r.entry_date, debit: '', credit: '', open: '', lettering: r.code ?? null, partial: Boolean(Number(r.partial ?? 0)) }, debit: new D(0), credit: new D(0) };
      x.groups.set(id, grp);
    }
    grp.debit = grp.debit.plus(r.debit);
    grp.credit = grp.credit.plus(r.credit);
    if (r.entry_date > grp.g.date) grp.g.date = r.entry_date;
  }
  for (const e of effets) {
    const x = entry(e.third_party, null);
    x.codes.add(e.customer);
    if (!new D(e.open_amount).isZero()) x.c.effets.push({ id: Number(e.id), kind: e.kind, state: e.state, mode: e.mode, documentNumber: e.document_number, day: e.day, open: e.open_amount });
  }
  for (const c of base.customers) {
    const a = resolve(c.code);
    const x = byAux.get(a.thirdParty);
    if (x) {
      x.codes.add(c.code);
      if (x.c.name === a.thirdParty) x.c.name = c.name;
    }
  }
  let totalOwed: Dec = new D(0);
  let totalDeposits: Dec = new D(0);
  const customers: CustomerOpenItems[] = [];
  for (const x of [...byAux.values()].sort((a, b) => a.c.thirdParty.localeCompare(b.c.thirdParty))) {
    for (const { g, debit, credit } of x.groups.values()) {
      const open = debit.minus(credit);
      if (open.isZero()) continue;
      g.debit = fmt(debit, d);
      g.credit = fmt(credit, d);
      g.open = fmt(open, d);
      x.c.lines.push(g);
      if (g.account === mapping.deposits.account) x.deposits = x.deposits.minus(open);
      else x.owed = x.owed.plus(open);
    }
    if (!x.c.lines.length && !x.c.effets.length) continue;
    x.c.owed = fmt(x.owed, d);
    x.c.deposits = fmt(x.deposits, d);
    x.c.customers = [...x.codes].sort();
    totalOwed = totalOwed.plus(x.owed);
    totalDeposits = totalDeposits.plus(x.deposits);
    customers.push(x.c);
  }
  return { customers, totalOwed: fmt(totalOwed, d), totalDeposits: fmt(totalDeposits, d) };
}

export function renderOpenItems(r: OpenItemsReport): string {
  if (!r.customers.length) return 'nothing open: every customer line is lettered';
  const out: string[] = [];
  for (const c of r.customers) {
    out.push(`${c.thirdParty} ${c.name}${c.customers.length ? ` (${c.customers.join(', ')})` : ''}: owes ${c.owed}${new D(c.deposits).isZero() ? '' : `, deposits available ${c.deposits}`}`);
    for (const l of c.lines) out.push(`  ${l.account} ${l.key.padEnd(14)} ${l.date}  D ${l.debit.padStart(10)}  C ${l.credit.padStart(10)}  open ${l.open.padStart(10)}${l.lettering ? `  ${l.lettering}${l.partial ? ' partial' : ''}` : ''}`);
    for (const e of c.effets) out.push(`  effet #${e.id} ${e.kind} ${e.state} ${e.mode} ${e.documentNumber ?? ''} ${e.day} open ${e.open}`);
  }
  out.push(`total owed ${r.totalOwed}, deposits available ${r.totalDeposits}`);
  return out.join('\n');
}
