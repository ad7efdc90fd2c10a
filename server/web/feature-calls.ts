/**
 * The ONE place where the back office calls the other features (intake, integration, accounting,
 * exports). Pages only see the small shapes below; each function maps onto the owning feature's
 * own function, so no business rule is re-implemented in server/web/.
 */
import { amount, day } from './format.ts';
import { t } from './i18n/index.ts';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { TillsyncError } from '../../sync/errors.ts';
import { sum } from '../../sync/money.ts';
import type { Ticket } from '../../sync/types.ts';
import type { ServerContext } from '../context.ts';
import { intakePackage } from '../intake/intake.ts';
import { inboxFolders, isCandidate, releaseFromQuarantine, REASON_SUFFIX } from '../intake/quarantine.ts';
import { outcomeLine } from '../intake/package-outcome.ts';
import { serverStatus } from '../intake/status.ts';
import { loadInvoiceViews } from '../exports/invoice-model.ts';
import { renderInvoicePdf } from '../exports/invoice-pdf.ts';
import { runExport, type ExportFormat } from '../exports/export-run.ts';
import { describeProblem } from '../exports/ledger-model.ts';
import { listProfiles, loadProfile } from '../exports/profiles/profile-store.ts';
import { describePosting, requireValidMapping, runPosting } from '../accounting/posting-run.ts';
import { selectDocuments, selectPaymentOnlyTickets } from '../accounting/posting-source.ts';
import { postChunks } from '../accounting/posting-pass.ts';
import { ticketNeeds, ticketProvides } from '../accounting/posting-exclusion.ts';
import { customerResolver, loadMapping } from '../accounting/mapping.ts';
import { describePostingUndo, undoPosting } from '../accounting/undo-posting.ts';
import { describeLettering, runLettering } from '../accounting/lettering-run.ts';
import { openItems, type OpenItemsReport } from '../accounting/open-items.ts';
import { unitsText } from '../accounting/units.ts';
import { loadBaseData } from '../base-data.ts';
import { previewIntegration, runIntegration, describeRun } from '../integration/integrate.ts';
import { undoIntegration, describeUndo } from '../integration/undo.ts';
import { parseCustomerRange, parseTillRange, parseUntil, type IntegrationFilters } from '../integration/filters.ts';
import { clearTicketCustomer, listOverrides, setTicketCustomer, type OverrideOutcome, type TicketOverride } from '../integration/ticket-overrides.ts';
import { exactStatus, type ExactStatus } from '../exact/connect.ts';

// ---------- intake ----------

export interface QuarantinedFile {
  name: string;
  bytes: number;
  at: string;
  reason: string;
  message: string;
  hint: string;
  channel: string;
}

/** The files waiting in the inbox's quarantine/ folder, with what their reason file says. */
export function quarantinedFiles(ctx: ServerContext): QuarantinedFile[] {
  const dir = inboxFolders(ctx.config.inbox).quarantine;
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && isCandidate(e.name))
    .map((e) => {
      const path = join(dir, e.name);
      const st = statSync(path);
      const fields: Record<string, string> = {};
      const reasonFile = path + REASON_SUFFIX;
      if (existsSync(reasonFile)) {
        for (const line of readFileSync(reasonFile, 'utf8').split('\n')) {
          const i = line.indexOf(': ');
          if (i > 0) fields[line.slice(0, i)] = line.slice(i + 2);
        }
      }
      return { name: e.name, bytes: st.size, at: fields.at ?? st.mtime.toISOString(), reason: fields.reason ?? '', message: fields.message ?? '', hint: fields.hint ?? '', channel: fields.channel ?? '' };
    })
    .sort((a, b) => b.at.localeCompare(a.at));
}

export interface ReprocessOutcome {
  accepted: boolean;
  message: string;
}

/** Runs a quarantined file through intake again; a file accepted now leaves quarantine for processed/. */
export async function reprocessQuarantined(ctx: ServerContext, name: string): Promise<ReprocessOutcome> {
  const dir = inboxFolders(ctx.config.inbox).quarantine;
  if (basename(name) !== name || !isCandidate(name) || !existsSync(join(dir, name))) {
    throw new TillsyncError('not-found', `${name} is not in the quarantine folder ${dir}`, { hint: 'reload the log book page', status: 404 });
  }
  const path = join(dir, name);
  const outcome = await intakePackage(ctx, { bytes: readFileSync(path), fileName: name, channel: 'manual', refusedStatus: 'quarantined' });
  if (outcome.status === 'refused') return { accepted: false, message: `still refused: ${outcomeLine(outcome)}` };
  releaseFromQuarantine(ctx.config.inbox, path);
  return { accepted: true, message: outcomeLine(outcome) };
}

export { serverStatus };

// ---------- exports: invoice PDFs ----------

export async function documentPdf(ctx: ServerContext, number: string): Promise<Buffer> {
  const { views, missing } = await loadInvoiceViews(ctx.db, [number]);
  if (missing.length || !views[0]) throw new TillsyncError('not-found', `document ${number} does not exist`, { status: 404 });
  return renderInvoicePdf(views[0]);
}

// ---------- integration: the control grid ----------

export interface GridFilter {
  /** Last day to integrate, YYYY-MM-DD (default: everything received). */
  until?: string;
  till?: string;
  customer?: string;
}

export interface GridTicket {
  id: string;
  number: number;
  store: string;
  till: string;
  day: string;
  soldAt: string;
  /** The customer integration uses: the ticket's own, or the one set in the back office. */
  customer: string;
  /** The customer the ticket was sold to (differs from `customer` when corrected). */
  soldTo: string;
  /** Who corrected the customer, when and why (null: not corrected). */
  override: { setBy: string; setAt: string; reason: string | null } | null;
  totalDue: string;
  degraded: boolean;
  payments: string;
}

export interface GridDocument {
  key: string;
  /** The number the document would take if generated now ('' for payment-only tickets). */
  number: string;
  /** invoice | delivery-note | credit-note, or without-goods for payment-only tickets. */
  kind: string;
  store: string;
  till: string;
  day: string;
  customer: string;
  customerName: string;
  totalIncl: string;
  tickets: GridTicket[];
}

export interface GridPreview {
  documents: GridDocument[];
  problems: { ticket?: string; message: string }[];
}

export interface GridChoice extends GridFilter {
  /** Tickets left out of this run (unchecked in the grid). */
  exclude: string[];
}

async function customerNames(ctx: ServerContext): Promise<Map<string, string>> {
  const rows = await ctx.db.selectFrom('base_items').select(['code', 'content']).where('kind', '=', 'customer').where('deleted', '=', 0).execute();
  return new Map(rows.map((r) => [r.code, (JSON.parse(r.content) as { name?: string }).name ?? r.code]));
}

function paymentsText(content: string): string {
  try {
    const t = JSON.parse(content) as { payments?: { mode: string; amount: string }[] };
    return (t.payments ?? []).map((p) => `${p.mode} ${p.amount}`).join(' + ');
  } catch {
    return '';
  }
}

export function integrationFilters(c: GridFilter, exclude: string[] = []): IntegrationFilters {
  const f: IntegrationFilters = { until: parseUntil(c.until || 'yesterday') };
  if (c.till) f.tills = parseTillRange(c.till);
  if (c.customer) f.customers = parseCustomerRange(c.customer);
  if (exclude.length) f.exclude = exclude;
  return f;
}

/** Ticket details for the grid rows (read-only), by id. */
async function gridTickets(ctx: ServerContext, ids: string[]): Promise<Map<string, GridTicket>> {
  const out = new Map<string, GridTicket>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await ctx.db
      .selectFrom('tickets')
      .leftJoin('ticket_overrides', 'ticket_overrides.ticket_id', 'tickets.id')
      .select(['id', 'number', 'store', 'till', 'day', 'sold_at', 'tickets.customer', 'total_due', 'degraded', 'content', 'ticket_overrides.customer as override', 'set_by', 'set_at', 'reason'])
      .where('id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) {
      out.set(r.id, {
        id: r.id,
        number: Number(r.number),
        store: r.store,
        till: r.till,
        day: r.day,
        soldAt: r.sold_at,
        customer: r.override ?? r.customer,
        soldTo: r.customer,
        override: r.override ? { setBy: r.set_by ?? '', setAt: r.set_at ?? '', reason: r.reason } : null,
        totalDue: r.total_due,
        degraded: Boolean(r.degraded),
        payments: paymentsText(r.content),
      });
    }
  }
  return out;
}

/** The control grid: integration's own preview (nothing written), with every ticket it would use. */
export async function integrationPreview(ctx: ServerContext, c: GridChoice): Promise<GridPreview> {
  const p = await previewIntegration(ctx.db, integrationFilters(c));
  const names = await customerNames(ctx);
  const ids = [...p.documents.flatMap((d) => d.tickets), ...p.paymentOnly];
  const details = await gridTickets(ctx, ids);
  const documents: GridDocument[] = p.documents.map((d) => ({
    key: d.number,
    number: d.number,
    kind: d.kind,
    store: d.store,
    till: d.till,
    day: d.day,
    customer: d.customer,
    customerName: names.get(d.customer) ?? d.customer,
    totalIncl: d.totals.inclVat,
    tickets: d.tickets.map((id) => details.get(id)).filter((t): t is GridTicket => Boolean(t)),
  }));
  if (p.paymentOnly.length) {
    const tickets = p.paymentOnly.map((id) => details.get(id)).filter((t): t is GridTicket => Boolean(t));
    documents.push({ key: 'without-goods', number: '', kind: 'without-goods', store: '', till: '', day: '', customer: '', customerName: '', totalIncl: sum(tickets.map((t) => t.totalDue)).toFixed(2), tickets });
  }
  return { documents, problems: p.errors.map((e) => ({ ticket: e.ref.ticket, message: e.message })) };
}

/** Current customers (withdrawn ones left out) for the grid's customer picker, by code. */
export async function customerChoices(ctx: ServerContext): Promise<{ code: string; name: string }[]> {
  return [...(await customerNames(ctx)).entries()].map(([code, name]) => ({ code, name })).sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

export interface CustomerChangeResult {
  /** Every ticket asked for is now on the customer asked for. */
  ok: boolean;
  message: string;
}

function changeMessage(o: OverrideOutcome): CustomerChangeResult {
  const target = o.customer === null ? "the customer it was sold to" : `${o.customer}${o.customerName && o.customerName !== o.customer ? ` (${o.customerName})` : ''}`;
  const parts = [`${o.changed.length} ticket(s) set to ${target}`];
  if (o.unchanged.length) parts.push(`${o.unchanged.length} already so`);
  if (o.refused.length) parts.push(`${o.refused.length} refused: ${o.refused.slice(0, 5).map((r) => r.reason).join('; ')}${o.refused.length > 5 ? '; …' : ''}`);
  return { ok: o.refused.length === 0, message: `${parts.join(', ')}.` };
}

/** Integration's own correction of the customer (ticket-overrides.ts): the signed tickets stay as sold. */
export async function setCustomerOfTickets(ctx: ServerContext, user: string, tickets: string[], customer: string, reason?: string): Promise<CustomerChangeResult> {
  if (!tickets.length) throw new TillsyncError('usage', 'no ticket checked', { hint: 'check the tickets whose customer to set' });
  return changeMessage(await setTicketCustomer(ctx.db, ctx.data, customer, { tickets, by: user, reason }));
}

export async function clearCustomerOfTickets(ctx: ServerContext, user: string, tickets: string[], reason?: string): Promise<CustomerChangeResult> {
  if (!tickets.length) throw new TillsyncError('usage', 'no ticket checked', { hint: 'check the tickets to give back their own customer' });
  return changeMessage(await clearTicketCustomer(ctx.db, ctx.data, { tickets, by: user, reason }));
}

export interface TicketDetail {
  ticket: GridTicket;
  content: Ticket | null;
  status: string;
  statusReason: string | null;
  documentNumber: string | null;
  integrationBatch: number | null;
  customerName: string;
  soldToName: string;
  correction: TicketOverride | null;
  /** The log book's lines about this ticket, latest first. */
  history: { at: string; severity: string; message: string }[];
}

/** Everything about one ticket for the unit modification page (seed 004: "double clic sur une ligne"). */
export async function ticketDetail(ctx: ServerContext, id: string): Promise<TicketDetail> {
  const row = await ctx.db.selectFrom('tickets').select(['id', 'content', 'status', 'status_reason', 'document_number', 'integration_batch']).where('id', '=', id).executeTakeFirst();
  if (!row) throw new TillsyncError('not-found', `ticket ${id} does not exist on this server`, { hint: 'go back to the control grid', status: 404 });
  const ticket = (await gridTickets(ctx, [id])).get(id)!;
  const names = await customerNames(ctx);
  let content: Ticket | null = null;
  try {
    content = JSON.parse(row.content) as Ticket;
  } catch {
    content = null;
  }
  const history = await ctx.db.selectFrom('log_book').select(['at', 'severity', 'message']).where('ticket', '=', id).orderBy('id', 'desc').limit(50).execute();
  return {
    ticket,
    content,
    status: row.status,
    statusReason: row.status_reason,
    documentNumber: row.document_number,
    integrationBatch: row.integration_batch === null ? null : Number(row.integration_batch),
    customerName: names.get(ticket.customer) ?? ticket.customer,
    soldToName: names.get(ticket.soldTo) ?? ticket.soldTo,
    correction: (await listOverrides(ctx.db, { tickets: [id] }))[0] ?? null,
    history,
  };
}

export async function generateDocuments(ctx: ServerContext, c: GridChoice): Promise<{ batchId: number | null; message: string }> {
  const s = await runIntegration(ctx.db, ctx.data, integrationFilters(c, c.exclude));
  const kinds = Object.entries(s.series)
    .map(([kind, r]) => `${r!.count} ${kind}${r!.count > 1 ? 's' : ''} ${r!.first === r!.last ? r!.first : `${r!.first}–${r!.last}`}`)
    .join(', ');
  return {
    batchId: s.batch,
    message: s.batch === null ? `Nothing generated: ${describeRun(s)}` : `${s.documents} document(s) generated in batch #${s.batch}${kinds ? ` (${kinds})` : ''}; ${describeRun(s)}`,
  };
}

export async function undoIntegrationBatch(ctx: ServerContext, batchId: number): Promise<{ message: string }> {
  const s = await undoIntegration(ctx.db, ctx.data, batchId);
  return { message: describeUndo(s) };
}

// ---------- accounting: the "Liste des écritures" before posting ----------

export interface EntryLineView {
  account: string;
  auxAccount: string | null;
  name: string;
  label: string;
  vatCode: string | null;
  vatRate: string | null;
  debit: string;
  credit: string;
  document: string | null;
}

export interface EntryView {
  /** Entry number in the list (1, 2, …) or the posted entry id. */
  no: number;
  journal: string;
  date: string;
  piece: string;
  kind: string;
  /** Documents this entry posts: unchecking the entry leaves these documents out of the run. */
  documents: string[];
  /** Payment-only tickets (no document) this entry posts; left out with it too (preview only). */
  tickets: string[];
  /** Deposit orders its tickets take (preview only): what a voucher elsewhere relies on. */
  provides: string[];
  /** Invoices and deposit orders its documents / tickets rely on (preview only): leaving one of them out holds this entry back. */
  needs: string[];
  lines: EntryLineView[];
}

export interface PostingPreview {
  entries: EntryView[];
  problems: { message: string }[];
}

/**
 * The entries the next posting would create, nothing written: accounting's own pure pass
 * (postDocuments) over the documents its own selection would take, chunk by chunk as a run does.
 */
export async function postingPreview(ctx: ServerContext, f: { until?: string }): Promise<PostingPreview> {
  const until = parseUntil(f.until || 'yesterday');
  await requireValidMapping(ctx.db, ctx.data);
  const mapping = loadMapping(ctx.data);
  const base = await loadBaseData(ctx.db);
  const options = { mapping, customer: customerResolver(mapping, base.customers), mode: mapping.posting.mode, grouping: mapping.posting.grouping };
  const filters = { until };
  const selection = { documents: await selectDocuments(ctx.db, filters), paymentOnly: await selectPaymentOnlyTickets(ctx.db, filters) };
  const rates = new Map(base.vatRates.map((v) => [v.code, v.rate]));
  const entries: EntryView[] = [];
  const problems: { message: string }[] = [];
  for await (const { result: { result: r, errors }, tickets } of postChunks(ctx.db, selection, options)) {
    problems.push(...errors.map((e) => ({ message: e.message })));
    const ticketsOf = new Map<string, typeof tickets>();
    for (const t of tickets) {
      const k = t.documentNumber ?? t.id;
      ticketsOf.set(k, [...(ticketsOf.get(k) ?? []), t]);
    }
    for (const e of r.entries) {
      const { documents, tickets: paymentOnly } = e.sources;
      const own = [...documents, ...paymentOnly].flatMap((k) => ticketsOf.get(k) ?? []);
      const provides = [...new Set(own.flatMap(ticketProvides))];
      const mine = new Set([...documents, ...provides]);
      entries.push({
        no: entries.length + 1,
        journal: e.journal,
        date: e.date,
        piece: e.piece,
        kind: e.kind,
        documents,
        tickets: paymentOnly,
        provides,
        needs: [...new Set(own.flatMap(ticketNeeds))].filter((x) => !mine.has(x)),
        lines: e.lines.map((l) => ({
          account: l.account,
          auxAccount: l.aux,
          name: l.auxLabel ?? '',
          label: l.label,
          vatCode: l.vatCode,
          vatRate: l.vatCode ? (rates.get(l.vatCode) ?? null) : null,
          debit: unitsText(Math.max(l.amount, 0), mapping.rounding.decimals),
          credit: unitsText(Math.max(-l.amount, 0), mapping.rounding.decimals),
          document: l.documentNumber,
        })),
      });
    }
  }
  return { entries, problems };
}


/**
 * Posts up to the day chosen, less `exclude` (document numbers and payment-only ticket ids of the
 * unchecked entries): accounting checks the names (unknown or already posted refuses the run) and
 * holds back what relies on them; they all stay for the next run.
 */
export async function postPosting(ctx: ServerContext, f: { until?: string; exclude: string[] }): Promise<{ message: string }> {
  const s = await runPosting(ctx.db, ctx.data, { until: parseUntil(f.until || 'yesterday'), exclude: f.exclude });
  return { message: describePosting(s) };
}

export async function undoPostingBatch(ctx: ServerContext, batchId: number): Promise<{ message: string }> {
  return { message: describePostingUndo(await undoPosting(ctx.db, ctx.data, batchId)) };
}

export async function letterAccounts(ctx: ServerContext): Promise<{ message: string }> {
  return { message: describeLettering(await runLettering(ctx.db, ctx.data)) };
}

export async function customerOpenItems(ctx: ServerContext, customer?: string): Promise<OpenItemsReport> {
  return openItems(ctx.db, ctx.data, { customer });
}

// ---------- exports ----------

export interface ExportRequest {
  format: ExportFormat;
  from: string;
  to: string;
  includeExported: boolean;
  /** An export profile (DATA/profiles/NAME.json): its format, options and view of the books. */
  profile?: string | null;
}

/** The export profiles the back office offers (valid ones only), with their formats. */
export function exportProfiles(ctx: ServerContext): { name: string; format: string }[] {
  return listProfiles(ctx.data).filter((p) => !p.error);
}

/** A manual export from the back office: the exports feature writes and records the file. */
export async function makeExport(ctx: ServerContext, r: ExportRequest): Promise<{ exportId: number | null; written: boolean; message: string }> {
  const profile = r.profile ? { name: r.profile, profile: loadProfile(ctx.data, r.profile) } : null;
  const out = await runExport({ db: ctx.db, data: ctx.data }, { format: profile ? profile.profile.format : r.format, from: r.from, to: r.to, includeExported: r.includeExported, trigger: 'manual', profile });
  if (out.status === 'refused') {
    throw new TillsyncError('export-refused', `${out.message}: ${out.problems.slice(0, 5).map(describeProblem).join('; ')}${out.problems.length > 5 ? '…' : ''}`, { hint: 'fix the accounting mapping, then export again' });
  }
  return { exportId: out.exportId, written: out.status === 'written', message: out.message };
}

// ---------- Exact Online link ----------

export function exactLinkStatus(ctx: ServerContext): ExactStatus {
  return exactStatus(ctx.data);
}

/** "Exporter clients et factures" (seed 001): the same push as `server exact push`. */
export async function exactPush(ctx: ServerContext, r: { from: string; to: string; numbers: string | null; withPdf: boolean }): Promise<{ ok: boolean; message: string }> {
  const { parseNumberRange, pushToExact } = await import('../exact/push.ts');
  const out = await pushToExact(ctx, { from: r.from, to: r.to, numbers: r.numbers ? parseNumberRange(r.numbers) : null, withPdf: r.withPdf, trigger: 'manual' });
  // Told in the page's language from the push's counts; a problem's and Exact's own words follow as they are.
  const period = { from: day(r.from), to: day(r.to) };
  const told =
    out.status === 'empty'
      ? t('exactOutcome.empty', period)
      : out.status === 'refused'
        ? t('exactOutcome.refused', { ...period, n: out.problems.length })
        : t('exactOutcome.sent', { ...period, division: String(out.division), sent: out.sent.length, found: out.found.length, pdfs: out.pdfs, created: out.customers.created.length, updated: out.customers.updated.length, failed: out.failed.length });
  const detail = [...out.problems.map(describeProblem), ...out.failed.map((f) => `${f.piece}: ${f.message}`)].slice(0, 5).join('; ');
  return { ok: out.status === 'sent' || out.status === 'empty', message: detail ? t('exactOutcome.withDetail', { told, detail }) : told };
}

export async function exactPull(ctx: ServerContext): Promise<{ message: string }> {
  const { ExactApi } = await import('../exact/exact-api.ts');
  const { pullPayments } = await import('../exact/pull-payments.ts');
  const o = await pullPayments(ctx.db, ctx.data, new ExactApi(ctx.data));
  return { message: t('exactOutcome.pulled', { division: String(o.division), read: o.read, lettered: o.counts.lettered, amount: amount(o.lettered), batch: o.batch ?? 'none', already: o.counts.already, unmatched: o.counts.unmatched }) };
}
