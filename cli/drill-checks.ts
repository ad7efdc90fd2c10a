/**
 * What must hold in the store server's database after any crash and rerun, checked with
 * read-only queries, independently of the code that wrote it: every ticket sent stored exactly
 * once, gapless numbers (tickets per till, documents per series), every integrated ticket in
 * exactly one document whose totals are the sum of its tickets, balanced entries, lettered groups
 * summing to zero, no run left half-done.
 */
import type { Kysely } from 'kysely';
import { D, type Dec } from '../sync/money.ts';
import type { Database } from '../server/db/schema.ts';

export interface CheckOutcome {
  name: string;
  ok: boolean;
  detail: string;
}

/** What the drill knows it has sent and run so far. */
export interface DrillExpectation {
  /** Every ticket delivered so far: id → hash. */
  tickets: Map<string, string>;
  /** sha256 of every good package delivered so far (each must be recorded once, accepted). */
  packages?: Set<string>;
  /** Every received ticket of a day up to this one must be integrated (null: no integration asked yet). */
  integratedThrough?: string | null;
  /** Every invoice / credit note of a day up to this one must be posted. */
  postedThrough?: string | null;
}

const MAX_LISTED = 5;

function listed(xs: string[]): string {
  return xs.slice(0, MAX_LISTED).join(', ') + (xs.length > MAX_LISTED ? ` … and ${xs.length - MAX_LISTED} more` : '');
}

function check(name: string, problems: string[], okDetail: string): CheckOutcome {
  return problems.length ? { name, ok: false, detail: listed(problems) } : { name, ok: true, detail: okDetail };
}

const dec = (v: unknown): Dec => new D(v === null || v === undefined || v === '' ? 0 : String(v));

async function hasTable(db: Kysely<Database>, table: string): Promise<boolean> {
  const tables = await db.introspection.getTables();
  return tables.some((t) => t.name === table);
}

export async function checkTickets(db: Kysely<Database>, exp: DrillExpectation): Promise<CheckOutcome[]> {
  const rows = await db.selectFrom('tickets').select(['id', 'till', 'number', 'hash', 'status', 'status_reason']).execute();
  const seen = new Map<string, number>();
  const problems: string[] = [];
  for (const r of rows) seen.set(r.id, (seen.get(r.id) ?? 0) + 1);
  for (const [id, n] of seen) if (n > 1) problems.push(`${id} stored ${n} times`);
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const [id, hash] of exp.tickets) {
    const r = byId.get(id);
    if (!r) problems.push(`${id} missing`);
    else if (r.hash !== hash) problems.push(`${id} stored with another hash`);
  }
  for (const r of rows) if (!exp.tickets.has(r.id)) problems.push(`${r.id} stored but never sent`);
  const out = [check('every ticket stored exactly once', problems, `${rows.length} tickets = ${exp.tickets.size} sent`)];

  const flagged = rows.filter((r) => r.status !== 'received').map((r) => `${r.id} ${r.status}${r.status_reason ? ` (${r.status_reason})` : ''}`);
  out.push(check('no sound ticket flagged in error', flagged, 'all received'));

  const byTill = new Map<string, number[]>();
  for (const r of rows) {
    const l = byTill.get(r.till) ?? [];
    l.push(Number(r.number));
    byTill.set(r.till, l);
  }
  const gaps: string[] = [];
  for (const [till, nums] of byTill) {
    nums.sort((a, b) => a - b);
    nums.forEach((n, i) => {
      if (n !== i + 1 && (i === 0 || nums[i - 1] !== n - 1)) gaps.push(`till ${till}: ${i === 0 ? 1 : nums[i - 1] + 1}–${n - 1} missing`);
      if (i > 0 && nums[i - 1] === n) gaps.push(`till ${till}: number ${n} twice`);
    });
  }
  out.push(check('ticket numbers gapless per till', gaps, `${byTill.size} till(s)`));

  const conflicts = await db.selectFrom('ticket_conflicts').select(['ticket_id']).execute();
  out.push(check('no ticket conflict recorded', conflicts.map((c) => c.ticket_id), 'none'));

  if (exp.packages) {
    const pk = await db.selectFrom('packages').select(['sha256', 'file_name', 'status', 'reason']).execute();
    const bySha = new Map<string, typeof pk>();
    for (const p of pk) bySha.set(p.sha256, [...(bySha.get(p.sha256) ?? []), p]);
    const bad: string[] = [];
    for (const sha of exp.packages) {
      const got = bySha.get(sha) ?? [];
      if (!got.length) bad.push(`package ${sha.slice(0, 12)} not recorded`);
      else if (got.length > 1) bad.push(`package ${got[0].file_name} recorded ${got.length} times`);
      else if (got[0].status !== 'accepted') bad.push(`package ${got[0].file_name} ${got[0].status}: ${got[0].reason}`);
    }
    out.push(check('every package sent recorded once, accepted', bad, `${exp.packages.size} package(s)`));
  }
  return out;
}

export async function checkDocuments(db: Kysely<Database>, exp: DrillExpectation): Promise<CheckOutcome[]> {
  const docs = await db.selectFrom('documents').select(['id', 'number', 'series', 'seq', 'kind', 'day', 'ticket_count', 'first_ticket', 'last_ticket', 'total_incl', 'total_excl', 'total_vat', 'batch_id', 'posting_batch']).execute();
  const out: CheckOutcome[] = [];

  // Document numbers: unique, and per series exactly 1..n with the series counter at n.
  const numbering: string[] = [];
  const numbers = new Map<string, number>();
  for (const d of docs) numbers.set(d.number, (numbers.get(d.number) ?? 0) + 1);
  for (const [n, c] of numbers) if (c > 1) numbering.push(`document number ${n} used ${c} times`);
  const bySeries = new Map<string, number[]>();
  for (const d of docs) bySeries.set(d.series, [...(bySeries.get(d.series) ?? []), Number(d.seq)]);
  const counters = new Map((await db.selectFrom('number_series').select(['series', 'last_seq']).execute()).map((r) => [r.series, Number(r.last_seq)]));
  for (const [series, seqs] of bySeries) {
    seqs.sort((a, b) => a - b);
    const missing: number[] = [];
    const twice: number[] = [];
    let expect = 1;
    for (const s of seqs) {
      if (s < expect) twice.push(s);
      else {
        for (; expect < s; expect++) missing.push(expect);
        expect = s + 1;
      }
    }
    if (missing.length) numbering.push(`series ${series}: numbers ${listed(missing.map(String))} missing`);
    if (twice.length) numbering.push(`series ${series}: numbers ${listed(twice.map(String))} taken twice`);
    const last = counters.get(series);
    if (last !== seqs[seqs.length - 1]) numbering.push(`series ${series}: counter at ${last ?? 'none'} but last document is ${seqs[seqs.length - 1]}`);
  }
  for (const [series, last] of counters) if (last > 0 && !bySeries.has(series)) numbering.push(`series ${series}: counter at ${last} but no document`);
  out.push(check('document numbers unique and gapless per series', numbering, `${docs.length} document(s) in ${bySeries.size} series`));

  // Tickets ↔ documents.
  const tickets = await db.selectFrom('tickets').select(['id', 'number', 'day', 'status', 'total_incl', 'document_id', 'document_number', 'integration_batch']).execute();
  const docById = new Map(docs.map((d) => [Number(d.id), d]));
  const perDoc = new Map<number, { count: number; total: Dec; first: number; last: number }>();
  const link: string[] = [];
  for (const t of tickets) {
    if (t.document_id === null) {
      if (t.document_number !== null) link.push(`${t.id} has number ${t.document_number} but no document`);
      continue;
    }
    const d = docById.get(Number(t.document_id));
    if (!d) {
      link.push(`${t.id} points at document ${t.document_id}, which does not exist`);
      continue;
    }
    if (t.document_number !== d.number) link.push(`${t.id} carries number ${t.document_number}, its document is ${d.number}`);
    if (t.integration_batch === null || Number(t.integration_batch) !== Number(d.batch_id)) link.push(`${t.id} integration batch ${t.integration_batch} ≠ its document's ${d.batch_id}`);
    const p = perDoc.get(Number(t.document_id)) ?? { count: 0, total: new D(0), first: Infinity, last: -Infinity };
    p.count++;
    p.total = p.total.plus(dec(t.total_incl));
    p.first = Math.min(p.first, Number(t.number));
    p.last = Math.max(p.last, Number(t.number));
    perDoc.set(Number(t.document_id), p);
  }
  const totals: string[] = [];
  for (const d of docs) {
    const p = perDoc.get(Number(d.id));
    if (!p) {
      link.push(`document ${d.number} has no ticket`);
      continue;
    }
    if (p.count !== Number(d.ticket_count)) link.push(`document ${d.number} says ${d.ticket_count} tickets, ${p.count} point at it`);
    if (p.first !== Number(d.first_ticket) || p.last !== Number(d.last_ticket)) link.push(`document ${d.number} says tickets ${d.first_ticket}–${d.last_ticket}, holds ${p.first}–${p.last}`);
    const docTotal = dec(d.total_incl);
    // A credit note may be stored positive (its sign comes from its kind).
    const same = d.kind === 'credit-note' ? docTotal.abs().eq(p.total.abs()) : docTotal.eq(p.total);
    if (!same) totals.push(`document ${d.number} total ${d.total_incl} ≠ Σ its tickets ${p.total.toFixed()}`);
    if (!dec(d.total_excl).plus(dec(d.total_vat)).eq(docTotal)) totals.push(`document ${d.number}: ${d.total_excl} + VAT ${d.total_vat} ≠ ${d.total_incl}`);
  }
  const vatRows = await db.selectFrom('document_vat').select(['document_id', 'incl']).execute();
  const vatByDoc = new Map<number, Dec>();
  for (const v of vatRows) vatByDoc.set(Number(v.document_id), (vatByDoc.get(Number(v.document_id)) ?? new D(0)).plus(dec(v.incl)));
  for (const d of docs) {
    const v = vatByDoc.get(Number(d.id));
    if (v && !v.eq(dec(d.total_incl))) totals.push(`document ${d.number}: VAT lines sum to ${v.toFixed()}, total ${d.total_incl}`);
  }
  out.push(check('every integrated ticket in exactly one document', link, `${perDoc.size} document(s) hold ${[...perDoc.values()].reduce((a, p) => a + p.count, 0)} ticket(s)`));
  out.push(check('document totals = Σ their tickets', totals, 'all documents tie out'));

  if (exp.integratedThrough) {
    const until = exp.integratedThrough;
    const pending = tickets.filter((t) => t.status === 'received' && t.day <= until && t.integration_batch === null).map((t) => t.id);
    out.push(check(`every ticket up to ${until} integrated`, pending, 'none pending'));
  }
  if (exp.postedThrough) {
    const until = exp.postedThrough;
    const unposted = docs.filter((d) => d.kind !== 'delivery-note' && d.day <= until && d.posting_batch === null).map((d) => d.number);
    out.push(check(`every invoice up to ${until} posted`, unposted, 'none left'));
  }
  return out;
}

export async function checkAccounting(db: Kysely<Database>): Promise<CheckOutcome[]> {
  if (!(await hasTable(db, 'entry_lines'))) return [];
  const lines = await db.selectFrom('entry_lines').select(['entry_id', 'account', 'aux_account', 'debit', 'credit', 'lettering_id', 'document_number']).execute();
  const entries = await db.selectFrom('entries').select(['id', 'journal', 'piece', 'kind', 'batch_id']).execute();
  const out: CheckOutcome[] = [];

  const sums = new Map<number, { dr: Dec; cr: Dec; n: number }>();
  for (const l of lines) {
    const s = sums.get(Number(l.entry_id)) ?? { dr: new D(0), cr: new D(0), n: 0 };
    s.dr = s.dr.plus(dec(l.debit));
    s.cr = s.cr.plus(dec(l.credit));
    s.n++;
    sums.set(Number(l.entry_id), s);
  }
  const unbalanced: string[] = [];
  for (const e of entries) {
    const s = sums.get(Number(e.id));
    if (!s) unbalanced.push(`entry ${e.id} (${e.journal} ${e.piece}) has no line`);
    else if (!s.dr.eq(s.cr)) unbalanced.push(`entry ${e.id} (${e.journal} ${e.piece}): debit ${s.dr.toFixed()} ≠ credit ${s.cr.toFixed()}`);
  }
  const entryIds = new Set(entries.map((e) => Number(e.id)));
  for (const id of sums.keys()) if (!entryIds.has(id)) unbalanced.push(`lines of entry ${id}, which does not exist`);
  out.push(check('every entry balances', unbalanced, `${entries.length} entries`));

  // Posting twice would double the customer debit of a document: Σ on its number = its total.
  const docs = await db.selectFrom('documents').select(['number', 'kind', 'total_incl', 'posting_batch']).where('posting_batch', 'is not', null).execute();
  const salesIds = new Set(entries.filter((e) => e.kind === 'sales').map((e) => Number(e.id)));
  const customerByDoc = new Map<string, Dec>();
  for (const l of lines) {
    if (!salesIds.has(Number(l.entry_id)) || l.aux_account === null || l.document_number === null) continue;
    customerByDoc.set(l.document_number, (customerByDoc.get(l.document_number) ?? new D(0)).plus(dec(l.debit)).minus(dec(l.credit)));
  }
  const twice: string[] = [];
  for (const d of docs) {
    if (d.kind === 'delivery-note') continue;
    const got = customerByDoc.get(d.number);
    const want = dec(d.total_incl).toDecimalPlaces(2);
    if (!got) twice.push(`document ${d.number} posted but no customer line carries its number`);
    else if (!got.abs().eq(want.abs())) twice.push(`document ${d.number}: customer lines ${got.toFixed()} ≠ document ${want.toFixed()}`);
  }
  out.push(check('each posted document on the customer account once', twice, `${docs.length} posted document(s)`));

  const letterings = await db.selectFrom('letterings').select(['id', 'account', 'aux_account', 'code', 'partial']).execute();
  const byLettering = new Map<number, { dr: Dec; cr: Dec; accounts: Set<string> }>();
  for (const l of lines) {
    if (l.lettering_id === null) continue;
    const g = byLettering.get(Number(l.lettering_id)) ?? { dr: new D(0), cr: new D(0), accounts: new Set<string>() };
    g.dr = g.dr.plus(dec(l.debit));
    g.cr = g.cr.plus(dec(l.credit));
    g.accounts.add(`${l.account}/${l.aux_account ?? ''}`);
    byLettering.set(Number(l.lettering_id), g);
  }
  const letterById = new Map(letterings.map((l) => [Number(l.id), l]));
  const groups: string[] = [];
  for (const [id, g] of byLettering) {
    const l = letterById.get(id);
    if (!l) {
      groups.push(`lines lettered with ${id}, which does not exist`);
      continue;
    }
    const zero = g.dr.eq(g.cr);
    if (!zero && !Number(l.partial)) groups.push(`lettering ${l.code} on ${[...g.accounts].join(' ')} sums to ${g.dr.minus(g.cr).toFixed()}, not flagged partial`);
    if (zero && Number(l.partial)) groups.push(`lettering ${l.code} on ${[...g.accounts].join(' ')} balanced but flagged partial`);
    if (g.accounts.size > 1) groups.push(`lettering ${l.code} spans accounts ${[...g.accounts].join(', ')}`);
  }
  // A current lettering (not superseded by a later batch) must letter something.
  const current = await db.selectFrom('letterings').select(['id', 'code', 'account']).where('superseded_batch', 'is', null).execute();
  for (const l of current) if (!byLettering.has(Number(l.id))) groups.push(`lettering ${l.code} on ${l.account} is current but letters no line`);
  out.push(check('lettered groups sum to zero (or are flagged partial)', groups, `${byLettering.size} group(s) in use`));
  return out;
}

export async function checkBatches(db: Kysely<Database>): Promise<CheckOutcome[]> {
  const running = await db.selectFrom('batches').select(['id', 'kind', 'status']).where('status', '=', 'running').execute();
  return [check('no run left half-done', running.map((b) => `${b.kind} batch ${b.id} still running`), 'none running')];
}

/** Every check, in order; read-only. */
export async function checkServerState(db: Kysely<Database>, exp: DrillExpectation): Promise<CheckOutcome[]> {
  return [...(await checkTickets(db, exp)), ...(await checkDocuments(db, exp)), ...(await checkAccounting(db)), ...(await checkBatches(db))];
}

export function failedChecks(checks: CheckOutcome[]): CheckOutcome[] {
  return checks.filter((c) => !c.ok);
}
