/**
 * Back-office correction of a pending ticket's customer (seed 004, the control grid: "appliquer une
 * valeur à l'ensemble des lignes cochées", "procéder à des modifications unitaires"). Typical case:
 * counter sales (COMPTOIR) of an account customer who forgot their card, or a sale rung on the
 * wrong customer.
 *
 * A ticket is signed and hash-chained (its hash covers the customer), so its row never changes:
 * the correction is a row of ticket_overrides, which integration reads with the ticket
 * (ticket-source.ts). The document made from the ticket carries the corrected customer, and
 * posting and open items follow the document. Undoing an integration batch keeps the corrections:
 * they belong to the ticket, not to the batch.
 *
 * Each ticket is judged on its own: the ones that cannot be changed come back refused with a
 * one-line reason, the others are changed. Everything happens under the books lock, so a
 * run never integrates a ticket half-way through a change of its customer.
 */
import { userInfo } from 'node:os';
import type { Kysely } from 'kysely';
import { TillsyncError } from '../../sync/errors.ts';
import type { PaymentMode, Ticket } from '../../sync/types.ts';
import type { Database } from '../db/schema.ts';
import { appendDayLog } from '../log-book.ts';
import { withBooksLock } from '../db/books-lock.ts';

export interface TicketOverride {
  ticket: string;
  store: string;
  till: string;
  day: string;
  /** The customer the ticket was sold to (signed in the ticket, never changed). */
  soldTo: string;
  /** The customer integration uses instead. */
  customer: string;
  /** The customer the ticket went by just before the last change. */
  previousCustomer: string;
  setAt: string;
  setBy: string;
  reason: string | null;
  /** Set once the ticket is integrated with this customer. */
  document: string | null;
  batch: number | null;
}

export interface CustomerChange {
  ticket: string;
  from: string;
  to: string;
  /** Back to the customer the ticket was sold to: the correction is removed. */
  cleared: boolean;
}

export interface OverrideRefusal {
  ticket: string;
  reason: string;
}

export interface OverrideOutcome {
  /** The customer asked for; null when clearing. */
  customer: string | null;
  customerName: string | null;
  changed: CustomerChange[];
  /** Already going by the customer asked for: nothing to do. */
  unchanged: string[];
  refused: OverrideRefusal[];
}

export interface OverrideRequest {
  tickets: string[];
  /** Who asks: the back-office user, or `cli:<login>`. */
  by: string;
  reason?: string | null;
}

const IN_CHUNK = 500;
const REASON_MAX = 200;

export function cliUser(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** Ticket ids given repeated or comma-separated, in order, without repeats. */
export function parseTicketIds(values: string[] | undefined): string[] {
  return [...new Set((values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean))];
}

function cleanReason(reason: string | null | undefined): string | null {
  const r = (reason ?? '').replace(/\s+/g, ' ').trim();
  return r ? r.slice(0, REASON_MAX) : null;
}

interface CustomerRef {
  code: string;
  name: string;
}

/** The customer must be in the base data and not withdrawn. */
async function requireCustomer(db: Kysely<Database>, code: string): Promise<CustomerRef> {
  if (!code) throw new TillsyncError('usage', 'no customer given', { hint: 'give the customer code, e.g. --customer C0000001, or --clear to go back to the ticket’s own customer' });
  const row = await db.selectFrom('base_items').select(['content', 'deleted']).where('kind', '=', 'customer').where('code', '=', code).executeTakeFirst();
  if (!row) throw new TillsyncError('unknown-customer', `customer ${code} is not in the base data`, { hint: 'give the code of a customer of the base files (publish a new customer with the base files first)', status: 404 });
  if (Number(row.deleted)) throw new TillsyncError('withdrawn-customer', `customer ${code} was withdrawn from the base data`, { hint: 'choose a current customer', status: 409 });
  let name = code;
  try {
    name = (JSON.parse(row.content) as { name?: string }).name ?? code;
  } catch {
    // A customer row without a readable name is still a customer.
  }
  return { code, name };
}

/** Payment modes that use a deposit (withdrawn ones included: old tickets still name them). */
async function depositVoucherModes(db: Kysely<Database>): Promise<Set<string>> {
  const rows = await db.selectFrom('base_items').select(['code', 'content']).where('kind', '=', 'payment-mode').execute();
  const out = new Set<string>();
  for (const r of rows) {
    try {
      if ((JSON.parse(r.content) as PaymentMode).depositVoucher) out.add(r.code);
    } catch {
      // Not readable: not a deposit voucher as far as we can tell.
    }
  }
  return out;
}

interface TicketState {
  id: string;
  store: string;
  till: string;
  customer: string;
  content: string;
  documentNumber: string | null;
  integrationBatch: number | null;
  override: string | null;
}

async function ticketStates(db: Kysely<Database>, ids: string[]): Promise<Map<string, TicketState>> {
  const out = new Map<string, TicketState>();
  for (let i = 0; i < ids.length; i += IN_CHUNK) {
    const rows = await db
      .selectFrom('tickets')
      .leftJoin('ticket_overrides', 'ticket_overrides.ticket_id', 'tickets.id')
      .select(['tickets.id', 'tickets.store', 'tickets.till', 'tickets.customer', 'tickets.content', 'tickets.document_number', 'tickets.integration_batch', 'ticket_overrides.customer as override'])
      .where('tickets.id', 'in', ids.slice(i, i + IN_CHUNK))
      .execute();
    for (const r of rows) {
      out.set(r.id, {
        id: r.id,
        store: r.store,
        till: r.till,
        customer: r.customer,
        content: r.content,
        documentNumber: r.document_number,
        integrationBatch: r.integration_batch === null ? null : Number(r.integration_batch),
        override: r.override ?? null,
      });
    }
  }
  return out;
}

/**
 * Why this ticket's customer cannot be changed, or null. Invoice settlements and deposits are
 * tied to the documents of the customer they were taken for (the invoice paid, the order whose
 * deposit it is): moving the ticket to another customer would letter one customer's invoice with
 * another's money.
 */
function refusal(t: TicketState, vouchers: Set<string>): string | null {
  if (t.integrationBatch !== null || t.documentNumber !== null) {
    const where = t.documentNumber ? `document ${t.documentNumber}, batch ${t.integrationBatch}` : `batch ${t.integrationBatch}`;
    return `ticket ${t.id} is already integrated (${where}): undo batch ${t.integrationBatch} first to change its customer`;
  }
  let ticket: Ticket;
  try {
    ticket = JSON.parse(t.content) as Ticket;
  } catch {
    return `ticket ${t.id}: its stored content is not valid JSON`;
  }
  for (const s of ticket.settlements ?? []) {
    if (s.kind === 'invoice') return `ticket ${t.id} pays invoice ${s.ref}: an invoice settlement stays with the invoice's customer`;
    return `ticket ${t.id} takes a deposit on order ${s.ref}: a deposit stays with its order's customer`;
  }
  for (const p of ticket.payments ?? []) {
    if (vouchers.has(p.mode) || p.ref) return `ticket ${t.id} uses the deposit of order ${p.ref ?? '?'} (${p.mode}): a deposit voucher stays with its order's customer`;
  }
  return null;
}

/**
 * `customer` null: back to the customer each ticket was sold to. Customer problems (unknown,
 * withdrawn) refuse the whole request; ticket problems refuse that ticket only.
 */
async function applyCustomer(db: Kysely<Database>, data: string, customer: string | null, req: OverrideRequest): Promise<OverrideOutcome> {
  const ids = parseTicketIds(req.tickets);
  if (!ids.length) throw new TillsyncError('usage', 'no ticket given', { hint: 'give ticket ids, e.g. S1-01-00000042 (repeated or comma-separated)' });
  const by = req.by.trim() || cliUser();
  const reason = cleanReason(req.reason);
  const logLines: { line: string; at: Date }[] = [];
  const outcome = await withBooksLock(db, async (trx) => {
    const target = customer === null ? null : await requireCustomer(trx, customer.trim());
    const vouchers = target ? await depositVoucherModes(trx) : new Set<string>();
    const states = await ticketStates(trx, ids);
    const out: OverrideOutcome = { customer: target?.code ?? null, customerName: target?.name ?? null, changed: [], unchanged: [], refused: [] };
    const at = new Date();
    const setAt = at.toISOString();
    const logRows: { at: string; severity: string; channel: string; file: null; till: string; ticket: string; message: string }[] = [];
    for (const id of ids) {
      const t = states.get(id);
      if (!t) {
        out.refused.push({ ticket: id, reason: `ticket ${id} does not exist on this server` });
        continue;
      }
      const current = t.override ?? t.customer;
      const to = target?.code ?? t.customer;
      if (current === to) {
        out.unchanged.push(id);
        continue;
      }
      const why = refusal(t, vouchers);
      if (why) {
        out.refused.push({ ticket: id, reason: why });
        continue;
      }
      const cleared = to === t.customer;
      if (cleared) await trx.deleteFrom('ticket_overrides').where('ticket_id', '=', id).execute();
      else {
        const row = { ticket_id: id, customer: to, previous_customer: current, set_at: setAt, set_by: by, reason };
        await trx
          .insertInto('ticket_overrides')
          .values(row)
          .onConflict((oc) => oc.column('ticket_id').doUpdateSet({ customer: to, previous_customer: current, set_at: setAt, set_by: by, reason }))
          .execute();
      }
      out.changed.push({ ticket: id, from: current, to, cleared });
      const message = cleared
        ? `back-office correction: ticket ${id} goes back to the customer it was sold to, ${to} (was ${current}), by ${by}${reason ? `: ${reason}` : ''}`
        : `back-office correction: customer of ticket ${id} set to ${to}${target!.name !== to ? ` (${target!.name})` : ''}, was ${current}${current !== t.customer ? ` (sold to ${t.customer})` : ''}, by ${by}${reason ? `: ${reason}` : ''}`;
      logRows.push({ at: setAt, severity: 'info', channel: 'integration', file: null, till: `${t.store}-${t.till}`, ticket: id, message });
    }
    for (let i = 0; i < logRows.length; i += 200) await trx.insertInto('log_book').values(logRows.slice(i, i + 200)).execute();
    for (const r of logRows) logLines.push({ line: `INFO [integration ${r.till} ${r.ticket}] ${r.message}`, at });
    return out;
  });
  // The day's log file once the change is committed: a rolled-back change leaves no line.
  for (const l of logLines) appendDayLog(data, l.line, l.at);
  return outcome;
}

/** Sets the customer integration uses for these pending tickets. */
export function setTicketCustomer(db: Kysely<Database>, data: string, customer: string, req: OverrideRequest): Promise<OverrideOutcome> {
  return applyCustomer(db, data, customer, req);
}

/** Back to the customer each ticket was sold to. */
export function clearTicketCustomer(db: Kysely<Database>, data: string, req: OverrideRequest): Promise<OverrideOutcome> {
  return applyCustomer(db, data, null, req);
}

/** The corrections in place (pending tickets only with `pending`), in ticket order. */
export async function listOverrides(db: Kysely<Database>, opts: { pending?: boolean; tickets?: string[] } = {}): Promise<TicketOverride[]> {
  const query = (ids?: string[]) => {
    let q = db
      .selectFrom('ticket_overrides')
      .innerJoin('tickets', 'tickets.id', 'ticket_overrides.ticket_id')
      .select([
        'ticket_overrides.ticket_id',
        'ticket_overrides.customer',
        'ticket_overrides.previous_customer',
        'ticket_overrides.set_at',
        'ticket_overrides.set_by',
        'ticket_overrides.reason',
        'tickets.store',
        'tickets.till',
        'tickets.day',
        'tickets.customer as sold_to',
        'tickets.document_number',
        'tickets.integration_batch',
      ]);
    if (opts.pending) q = q.where('tickets.integration_batch', 'is', null);
    if (ids) q = q.where('ticket_overrides.ticket_id', 'in', ids);
    return q.orderBy('ticket_overrides.ticket_id').execute();
  };
  const rows = [];
  if (opts.tickets) for (let i = 0; i < opts.tickets.length; i += IN_CHUNK) rows.push(...(await query(opts.tickets.slice(i, i + IN_CHUNK))));
  else rows.push(...(await query()));
  return rows.map((r) => ({
    ticket: r.ticket_id,
    store: r.store,
    till: r.till,
    day: r.day,
    soldTo: r.sold_to,
    customer: r.customer,
    previousCustomer: r.previous_customer,
    setAt: r.set_at,
    setBy: r.set_by,
    reason: r.reason,
    document: r.document_number,
    batch: r.integration_batch === null ? null : Number(r.integration_batch),
  }));
}

/** One line per ticket: what changed, what was refused and why. */
export function describeOverrideOutcome(o: OverrideOutcome): string {
  const out: string[] = [];
  const target = o.customer === null ? 'the customer each was sold to' : `${o.customer}${o.customerName && o.customerName !== o.customer ? ` (${o.customerName})` : ''}`;
  out.push(`${o.changed.length} ticket(s) set to ${target}${o.unchanged.length ? `, ${o.unchanged.length} already so` : ''}${o.refused.length ? `, ${o.refused.length} refused` : ''}`);
  for (const c of o.changed) out.push(`  ${c.ticket}: ${c.from} → ${c.to}${c.cleared ? ' (its own customer)' : ''}`);
  for (const r of o.refused) out.push(`  refused: ${r.reason}`);
  return out.join('\n');
}

export function describeOverrides(list: TicketOverride[]): string {
  if (!list.length) return 'No ticket has its customer corrected.';
  const out = [`${list.length} ticket(s) with a corrected customer:`];
  for (const o of list) {
    out.push(
      `  ${o.ticket}  ${o.day}  sold to ${o.soldTo} → ${o.customer}  by ${o.setBy} at ${o.setAt}${o.reason ? `  “${o.reason}”` : ''}${o.document ? `  (integrated in ${o.document})` : o.batch !== null ? `  (integrated in batch ${o.batch})` : ''}`,
    );
  }
  return out.join('\n');
}
