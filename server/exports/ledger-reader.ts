/**
 * Reads the posted entries of a period from SQL into LedgerEntry pages, in validation order
 * (entries.id), with labels and lettering resolved. Keyset paging keeps memory flat on a year of
 * entries; each page is one query for the entries and one for their lines.
 */
import type { Kysely, SelectQueryBuilder } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { BaseData } from '../../sync/types.ts';
import type { LedgerEntry, LedgerLine } from './ledger-model.ts';
import { accountLabel, journalLabel, type MappingView } from './mapping-view.ts';

export interface LedgerQuery {
  /** YYYY-MM-DD, both inclusive, on the accounting date. */
  from: string;
  to: string;
  /** Only entries whose documents belong to this store. */
  store?: string | null;
  /** Also entries already written to an earlier export. */
  includeExported?: boolean;
  /** Only these entries (used by re-sending a recorded export). */
  exportId?: number;
  /** Export once per profile: "already exported" means marked for this profile (export_marks), not entries.export_id. */
  profile?: string | null;
}

/** A customer as the exports show it; SIREN and VAT number when the base data has them. */
export interface CustomerLabel {
  name: string;
  address?: string | null;
  siren?: string | null;
  vatNumber?: string | null;
}

export interface Labels {
  view: MappingView;
  /** Customers by third-party account and by code. */
  customers: Map<string, CustomerLabel>;
}

function customerLabel(c: BaseData['customers'][number]): CustomerLabel {
  // SIREN and VAT number are optional in the base data (business customers have them).
  const ids = c as { siren?: unknown; vatNumber?: unknown };
  return { name: c.name, address: c.address ?? null, siren: typeof ids.siren === 'string' ? ids.siren : null, vatNumber: typeof ids.vatNumber === 'string' ? ids.vatNumber : null };
}

/**
 * Marketplace buyers (MP…, server/imports/) are not in the base data: the exports know them from
 * the marketplace tables, named and addressed as their latest invoice says (a business by its company).
 */
export async function addMarketplaceCustomers(db: Kysely<Database>, labels: Labels): Promise<void> {
  const rows = await db
    .selectFrom('marketplace_invoices')
    .select(['customer', 'customer_name', 'lines'])
    .orderBy('seq')
    .execute();
  for (const r of rows) {
    const x = JSON.parse(r.lines) as { address?: string | null; postcode?: string | null; city?: string | null; company?: string | null; vatNumber?: string | null };
    const place = [x.postcode, x.city].filter(Boolean).join(' ');
    const address = [x.address, place].filter(Boolean).join(', ') || null;
    labels.customers.set(r.customer, { name: x.company || r.customer_name, address, siren: /^FR[0-9A-Z]{2}(\d{9})$/.exec(x.vatNumber ?? '')?.[1] ?? null, vatNumber: x.vatNumber ?? null });
  }
}

export function labelsOf(view: MappingView, base: Pick<BaseData, 'customers'>): Labels {
  const customers = new Map<string, CustomerLabel>();
  for (const c of base.customers) customers.set(c.code, customerLabel(c));
  // Several customers may share a third-party account (the counter's 0000002): the account is
  // known by the customer whose code it is, else by the first one with an address.
  for (const c of base.customers) {
    if (!c.thirdParty || c.thirdParty === c.code) continue;
    const known = customers.get(c.thirdParty);
    if (!known || (!known.address?.trim() && c.address?.trim() && !base.customers.some((o) => o.code === c.thirdParty))) customers.set(c.thirdParty, customerLabel(c));
  }
  return { view, customers };
}

type EntriesQuery = SelectQueryBuilder<Database, 'entries', object>;

/** The entries of the query, before paging; `exported` flips the export filter to count what is skipped. */
function entriesOf(db: Kysely<Database>, q: LedgerQuery, exported: 'pending' | 'exported' | 'any'): EntriesQuery {
  // Mirror entries copy what the accounting software already holds (server/imports/): never exported.
  let qb = db.selectFrom('entries').where('entries.entry_date', '>=', q.from).where('entries.entry_date', '<=', q.to).where('entries.kind', '!=', 'mirror') as EntriesQuery;
  if (q.profile) {
    const profile = q.profile;
    const marked = sql<boolean>`exists (select 1 from export_marks m where m.entry_id = entries.id and m.profile = ${profile})`;
    if (exported === 'pending') qb = qb.where(sql<boolean>`not ${marked}`);
    if (exported === 'exported') qb = qb.where(marked);
  } else {
    if (exported === 'pending') qb = qb.where('entries.export_id', 'is', null);
    if (exported === 'exported') qb = qb.where('entries.export_id', 'is not', null);
  }
  if (q.store) {
    const store = q.store;
    // Entries carry no store: they belong to the store of the documents they post (the piece, or
    // the invoices listed line by line in an entry grouped by account).
    qb = qb.where((eb) =>
      eb.exists(
        eb
          .selectFrom('documents as d')
          .select(sql<number>`1`.as('one'))
          .where('d.store', '=', store)
          .where((e2) => e2.or([e2('d.number', '=', e2.ref('entries.piece')), e2('d.number', 'in', e2.selectFrom('entry_lines as el').select('el.document_number').whereRef('el.entry_id', '=', 'entries.id'))])),
      ),
    );
  }
  return qb;
}

export async function countLedger(db: Kysely<Database>, q: LedgerQuery): Promise<{ entries: number; alreadyExported: number }> {
  const count = async (mode: 'pending' | 'exported' | 'any') => Number((await entriesOf(db, q, mode).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst())?.n ?? 0);
  const alreadyExported = await count('exported');
  const entries = q.includeExported ? await count('any') : await count('pending');
  return { entries, alreadyExported };
}

/**
 * Whether documents carry an invoice date (the invoicing model's documents.invoice_date: the day the
 * document was made, while documents.day is its tickets' sale day). Asked once per database.
 */
const invoiceDateColumn = new WeakMap<object, Promise<boolean>>();
function hasInvoiceDate(db: Kysely<Database>): Promise<boolean> {
  let known = invoiceDateColumn.get(db);
  if (!known) {
    known = db.introspection.getTables().then((tables) => tables.some((t) => t.name === 'documents' && t.columns.some((c) => c.name === 'invoice_date')));
    invoiceDateColumn.set(db, known);
  }
  return known;
}

/** Invoice date of each document number among `pieces` that has one. */
async function invoiceDates(db: Kysely<Database>, pieces: string[]): Promise<Map<string, string>> {
  const dates = new Map<string, string>();
  if (!pieces.length || !(await hasInvoiceDate(db))) return dates;
  for (let i = 0; i < pieces.length; i += 500) {
    const rows = await sql<{ number: string; invoice_date: string | null }>`select number, invoice_date from documents where number in (${sql.join(pieces.slice(i, i + 500))})`.execute(db);
    for (const r of rows.rows) if (r.invoice_date) dates.set(r.number, r.invoice_date);
  }
  return dates;
}

function letterDay(at: string | null): string | null {
  return at ? at.slice(0, 10) : null;
}

export async function* readLedger(db: Kysely<Database>, q: LedgerQuery, labels: Labels, pageSize = 500): AsyncGenerator<LedgerEntry[]> {
  let after = 0;
  for (;;) {
    let qb = entriesOf(db, q, q.includeExported ? 'any' : 'pending');
    if (q.exportId !== undefined) qb = qb.where('entries.export_id', '=', q.exportId);
    const rows = await qb
      .select(['entries.id', 'entries.journal', 'entries.kind', 'entries.entry_date', 'entries.piece', 'entries.label', 'entries.validated_at', 'entries.fec_num', 'entries.fec_journal_num'])
      .where('entries.id', '>', after)
      .orderBy('entries.id')
      .limit(pageSize)
      .execute();
    if (!rows.length) return;
    after = rows[rows.length - 1].id;
    const ids = rows.map((r) => r.id);
    const lines = await db
      .selectFrom('entry_lines as l')
      .leftJoin('letterings as g', 'g.id', 'l.lettering_id')
      .select(['l.entry_id', 'l.account', 'l.aux_account', 'l.aux_label', 'l.label', 'l.debit', 'l.credit', 'l.vat_code', 'l.document_number', 'g.code as letter_code', 'g.lettered_at', 'g.partial as letter_partial'])
      .where('l.entry_id', 'in', ids)
      .orderBy('l.entry_id')
      .orderBy('l.line_no')
      .execute();
    const byEntry = new Map<number, LedgerLine[]>();
    for (const l of lines) {
      const aux = l.aux_account || null;
      const line: LedgerLine = {
        account: l.account,
        accountLabel: accountLabel(labels.view, l.account),
        auxAccount: aux,
        // The auxiliary account's own name (one label per CompAuxNum, A47 A-1), not the name of the
        // customer of this line: several customers may share a third party (the counter's 0000002).
        auxLabel: aux ? labels.customers.get(aux)?.name || l.aux_label || aux : null,
        label: l.label,
        debit: l.debit,
        credit: l.credit,
        vatCode: l.vat_code || null,
        documentNumber: l.document_number || null,
        // Partial lettering in lower case, as French accounting software shows it (AAA full, aaa partial).
        letterCode: l.letter_code ? (Number(l.letter_partial) ? l.letter_code.toLowerCase() : l.letter_code) : null,
        letterDate: letterDay(l.lettered_at ?? null),
      };
      const list = byEntry.get(l.entry_id);
      if (list) list.push(line);
      else byEntry.set(l.entry_id, [line]);
    }
    // The accounting date is the sale day (documents.day); the piece's date is its invoice date.
    const pieceDates = await invoiceDates(db, [...new Set(rows.filter((r) => r.kind === 'sales' && r.piece && !r.piece.startsWith('*')).map((r) => r.piece))]);
    yield rows.map((r) => ({
      id: r.id,
      journal: r.journal,
      journalLabel: journalLabel(labels.view, r.journal),
      kind: r.kind,
      date: r.entry_date,
      piece: r.piece,
      pieceDate: (r.kind === 'sales' ? pieceDates.get(r.piece) : undefined) ?? r.entry_date,
      label: r.label,
      validatedAt: r.validated_at,
      lines: byEntry.get(r.id) ?? [],
      fecNum: r.fec_num === null ? null : Number(r.fec_num),
      fecJournalNum: r.fec_journal_num === null ? null : Number(r.fec_journal_num),
    }));
  }
}
