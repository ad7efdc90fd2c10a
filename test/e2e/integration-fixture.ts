/**
 * Shared set-up of the integration end-to-end suites: a real store server data folder (server.json,
 * SQLite file or PostgreSQL database), the demo base data, tickets stored as intake stores them,
 * and the CLI run as a child process.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { runCli, spawnCli as spawnHarnessCli } from '../support/cli-harness.ts';
import { openTestDb, type TestDb } from '../support/test-databases.ts';
import type { DbKind } from '../../server/db/dialect.ts';
import { defaultConfig, writeServerConfig } from '../../server/context.ts';
import { saveBaseData } from '../../server/base-data.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import type { BaseData, Ticket } from '../../sync/types.ts';
import { storeTickets, TicketBook } from '../support/test-tickets.ts';
import { intakeTickets } from '../../server/intake/intake.ts';
import { enrollTill } from '../../server/intake/till-registry.ts';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface IntegrationServer extends TestDb {
  base: BaseData;
  book: TicketBook;
  /** Through the real intake pipeline (tills enrolled on the way); throws if intake refuses or flags any. */
  store(tickets: Ticket[] | Iterable<Ticket>): Promise<number>;
  /** Straight into the tickets table: tickets tampered with after intake, which intake would refuse. */
  storeRaw(tickets: Ticket[], o?: Parameters<typeof storeTickets>[2]): Promise<number>;
  /** `--data … [--db …]` for a CLI child. */
  flags: string[];
}

export async function openIntegrationServer(engine: DbKind): Promise<IntegrationServer> {
  const t = await openTestDb(engine);
  writeServerConfig(t.data, { ...defaultConfig(t.data), ...(t.url ? { db: t.url } : {}) });
  const base = demoBaseData();
  await saveBaseData(t.db, base);
  return {
    ...t,
    base,
    book: new TicketBook(base.articles),
    store: async (tickets) => {
      const enrolled = new Set((await t.db.selectFrom('tills').select('id').execute()).map((r) => r.id));
      let n = 0;
      let chunk: Ticket[] = [];
      const flush = async () => {
        for (const id of new Set(chunk.map((x) => `${x.store}-${x.till}`))) {
          if (!enrolled.has(id)) {
            await enrollTill(t.db, { data: t.data, store: id.split('-')[0], till: id.split('-')[1] });
            enrolled.add(id);
          }
        }
        const r = await intakeTickets({ db: t.db, data: t.data }, { channel: 'manual', tickets: chunk });
        if (r.rejected.length || r.flagged.length || r.accepted.length !== chunk.length) throw new Error(`intake did not take the test tickets: ${JSON.stringify({ rejected: r.rejected.slice(0, 3), flagged: r.flagged.slice(0, 3) })}`);
        n += r.accepted.length;
        chunk = [];
      };
      for (const x of tickets) {
        chunk.push(x);
        if (chunk.length >= 5000) await flush();
      }
      if (chunk.length) await flush();
      return n;
    },
    storeRaw: (tickets, o) => storeTickets(t.db, tickets, o),
    flags: ['--data', t.data, ...(t.url ? ['--db', t.url] : [])],
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
}

export async function cli(args: string[]): Promise<CliResult> {
  const r = await runCli(args, { cwd: ROOT });
  return { code: r.code ?? 1, stdout: r.stdout, stderr: r.stderr, json: r.json ?? null };
}

export function spawnCli(args: string[]): ChildProcess {
  return spawnHarnessCli(args, { cwd: ROOT });
}

export const articleCodes = (base: BaseData, vatCode = 'VN', n = 3): string[] => base.articles.filter((a) => a.vatCode === vatCode).slice(0, n).map((a) => a.code);

/**
 * The invariants of integrated data, checked from the database alone: every series numbered
 * 1..last without a hole or a duplicate, every document's tickets pointing at it (number and batch
 * too), and each document's VAT lines equal to the sum of its tickets' VAT totals.
 */
export async function integrityProblems(db: TestDb['db']): Promise<string[]> {
  const problems: string[] = [];
  const series = await db.selectFrom('number_series').selectAll().execute();
  const docs = await db.selectFrom('documents').selectAll().orderBy('id').execute();
  const deposits = await db.selectFrom('deposit_invoices').select('seq').execute();
  for (const s of series) {
    // Deposit invoices have their own table (server/invoicing), numbered like the documents.
    const numbered = s.series === 'deposit-invoice' ? deposits : docs.filter((d) => d.series === s.series);
    const seqs = numbered.map((d) => Number(d.seq)).sort((a, b) => a - b);
    const expected = Array.from({ length: Number(s.last_seq) }, (_, i) => i + 1);
    if (JSON.stringify(seqs) !== JSON.stringify(expected)) problems.push(`series ${s.series}: seqs ${seqs.slice(0, 20).join(',')}… vs 1..${s.last_seq}`);
  }
  const tickets = await db.selectFrom('tickets').select(['id', 'content', 'document_id', 'document_number', 'integration_batch']).where('document_id', 'is not', null).execute();
  const byDoc = new Map<number, typeof tickets>();
  for (const t of tickets) (byDoc.get(Number(t.document_id)) ?? byDoc.set(Number(t.document_id), []).get(Number(t.document_id))!).push(t);
  const vat = await db.selectFrom('document_vat').selectAll().execute();
  const { D, fmt } = await import('../../sync/money.ts');
  for (const d of docs) {
    const mine = byDoc.get(Number(d.id)) ?? [];
    if (mine.length !== Number(d.ticket_count)) problems.push(`document ${d.number}: ${mine.length} tickets point at it, ticket_count ${d.ticket_count}`);
    for (const t of mine) if (t.document_number !== d.number || Number(t.integration_batch) !== Number(d.batch_id)) problems.push(`ticket ${t.id}: number/batch ${t.document_number}/${t.integration_batch} vs ${d.number}/${d.batch_id}`);
    const sums = new Map<string, { base: InstanceType<typeof D>; vat: InstanceType<typeof D>; incl: InstanceType<typeof D> }>();
    for (const t of mine) {
      for (const v of (JSON.parse(t.content) as Ticket).totals.byVat) {
        const s = sums.get(v.vatCode) ?? { base: new D(0), vat: new D(0), incl: new D(0) };
        sums.set(v.vatCode, { base: s.base.plus(v.base), vat: s.vat.plus(v.vat), incl: s.incl.plus(v.inclVat) });
      }
    }
    const lines = vat.filter((v) => Number(v.document_id) === Number(d.id));
    if (lines.length !== sums.size) problems.push(`document ${d.number}: ${lines.length} VAT lines for ${sums.size} VAT codes`);
    for (const l of lines) {
      const s = sums.get(l.vat_code);
      if (!s || fmt(s.base) !== l.base || fmt(s.vat) !== l.vat || fmt(s.incl) !== l.incl) problems.push(`document ${d.number} VAT ${l.vat_code}: ${l.base}/${l.vat}/${l.incl} vs tickets ${s && fmt(s.base)}/${s && fmt(s.vat)}/${s && fmt(s.incl)}`);
    }
  }
  if (tickets.length && docs.length === 0) problems.push('tickets point at documents that do not exist');
  return problems;
}
