/**
 * What must hold in the store server's database after any crash and rerun, checked with
 * read-only queries, independently of the code that wrote it: every ticket sent stored exactly
 * once, gapless ticket numbers per till, every ticket up to a day integrated and every invoice
 * posted, no run left half-done; and the books themselves by the registry of named checks that
 * `tillsync server check` runs (server/books/check-registry.ts: balance, documents = tickets = VAT
 * lines, numbering, tie-outs, lettering, settlements).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../server/db/schema.ts';
import { runBooksChecks } from '../server/books/check-registry.ts';

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

/** What the drill asked for is done: every ticket up to a day integrated, every invoice up to a day posted. */
export async function checkProgress(db: Kysely<Database>, exp: DrillExpectation): Promise<CheckOutcome[]> {
  const out: CheckOutcome[] = [];
  if (exp.integratedThrough) {
    const until = exp.integratedThrough;
    const pending = await db.selectFrom('tickets').select('id').where('status', '=', 'received').where('day', '<=', until).where('integration_batch', 'is', null).orderBy('id').execute();
    out.push(check(`every ticket up to ${until} integrated`, pending.map((t) => t.id), 'none pending'));
  }
  if (exp.postedThrough) {
    const until = exp.postedThrough;
    const unposted = await db.selectFrom('documents').select('number').where('kind', '<>', 'delivery-note').where('day', '<=', until).where('posting_batch', 'is', null).orderBy('number').execute();
    out.push(check(`every invoice up to ${until} posted`, unposted.map((d) => d.number), 'none left'));
  }
  return out;
}

/** The books' named checks (the same as `tillsync server check`), one outcome each: `books <name>`. */
export async function checkBooks(db: Kysely<Database>, data: string | null = null): Promise<CheckOutcome[]> {
  const results = await runBooksChecks(db, { data });
  return results.map((r) =>
    check(
      `books ${r.check}`,
      r.problems.map((p) => `${p.message}${p.amounts ? ` (${Object.entries(p.amounts).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`),
      r.summary ?? 'ok',
    ),
  );
}

export async function checkBatches(db: Kysely<Database>): Promise<CheckOutcome[]> {
  const running = await db.selectFrom('batches').select(['id', 'kind', 'status']).where('status', '=', 'running').execute();
  return [check('no run left half-done', running.map((b) => `${b.kind} batch ${b.id} still running`), 'none running')];
}

/** Every check, in order; read-only. `data`: the server data folder (its accounting.json), default mapping when null. */
export async function checkServerState(db: Kysely<Database>, exp: DrillExpectation, data: string | null = null): Promise<CheckOutcome[]> {
  return [...(await checkTickets(db, exp)), ...(await checkProgress(db, exp)), ...(await checkBooks(db, data)), ...(await checkBatches(db))];
}

export function failedChecks(checks: CheckOutcome[]): CheckOutcome[] {
  return checks.filter((c) => !c.ok);
}
