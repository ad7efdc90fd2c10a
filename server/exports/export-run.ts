/**
 * One export run: choose the entries of the period (skipping those already exported unless asked),
 * check them (Exact conditions), stream them through a writer into `<file>.part`, give the file its
 * name, then record the run (exports row + entries.export_id) in one transaction.
 *
 * The legal FEC of a financial year (`year`) takes every entry of the year after its opening
 * entry and keeps its legal name SIRENFECAAAAMMJJ: a second run replaces the file only when
 * confirmed (`replace`). Period extracts are named apart (SIRENFEC-extrait-…).
 *
 * Crash safety: the file is written before anything is recorded. A crash after the rename and
 * before the commit leaves a file no exports row owns; the rerun picks the same entries and the
 * same name and overwrites it (an extract owned by a recorded export is never overwritten: the new
 * file gets a -2, -3… suffix). Runs are serialised by withExportLock.
 */
import { createHash } from 'node:crypto';
import { closeSync, createWriteStream, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { TillsyncError } from '../../sync/errors.ts';
import { asWriteError, fsyncDir, suffixedName } from '../../sync/atomic-file.ts';
import { D } from '../../sync/money.ts';
import { parseDayOption } from '../../sync/dates.ts';
import type { Db } from '../db/database.ts';
import { loadBaseData } from '../base-data.ts';
import { appendDayLog, logEvent } from '../log-book.ts';
import { ProblemList, describeProblem, type ExportProblem, type LedgerEntry } from './ledger-model.ts';
import { addMarketplaceCustomers, countLedger, labelsOf, readLedger, type LedgerQuery } from './ledger-reader.ts';
import { readMappingView } from './mapping-view.ts';
import { FecWriter, fecDate, fecExtractName, fecFileName, fecSeparator, type FecNumbering } from './fec-writer.ts';
import { fiscalYear, type FiscalYear } from './fiscal-year.ts';
import { openingEntry, readClosingBalances } from './opening-entry.ts';
import { numberUnnumberedEntries } from '../accounting/entry-numbers.ts';
import { accountLabel } from './mapping-view.ts';
import { ExactWriter, checkExactEntry, collectCustomers, type ExactCustomer, type ExactMapping } from './exact-writer.ts';
import type { Company } from '../../sync/types.ts';
import { CsvWriter, csvDefaults } from './csv-writer.ts';
import { encodeLatin9 } from './latin9.ts';
import { withExportLock } from './export-lock.ts';
import { assertBooksSound, LEDGER_CHECKS } from '../books/check-registry.ts';
import { crashPoint } from '../../sync/crash-points.ts';
import { loadMapping } from '../accounting/mapping.ts';
import { ProfileView } from './profiles/profile-view.ts';
import { documentsOf } from './profiles/entry-context.ts';
import type { ExportProfile } from './profiles/profile-schema.ts';
import type { FormatWriter } from './formats/format-writer.ts';
import { SageWriter } from './formats/sage-writer.ts';
import { EbpWriter } from './formats/ebp-writer.ts';
import { CielWriter } from './formats/ciel-writer.ts';
import { QuadratusWriter } from './formats/quadratus-writer.ts';
import { CegidWriter } from './formats/cegid-writer.ts';
import { customersFile } from './formats/customers-file.ts';
import { loadImportsConfig } from '../imports/config.ts';

export const EXPORT_FORMATS = ['fec', 'exact', 'csv', 'sage', 'ebp', 'ciel', 'quadratus', 'cegid'] as const;
/** Formats of accounting software read through a profile view (formats/): their customers file too. */
const SOFTWARE_FORMATS = new Set<string>(['sage', 'ebp', 'ciel', 'quadratus', 'cegid']);
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportRequest {
  format: ExportFormat;
  /** The period; with `year`, both come from the company's financial year (leave them empty). */
  from: string;
  to: string;
  /**
   * A financial year (named by its closing date's year). FEC: the legal yearly file (A47 A-1):
   * every entry of the year, exported or not, after the opening entry, named SIRENFECAAAAMMJJ.
   * Exact / CSV: the year as the period.
   */
  year?: number;
  /**
   * FEC yearly file already written: replace it (true), ask (a function answering true to
   * replace), or refuse (absent/false) — never a second name.
   */
  replace?: boolean | ((file: string) => Promise<boolean>);
  store?: string | null;
  /** Folder of the file; default DATA/exports. */
  out?: string;
  includeExported?: boolean;
  /** FEC: tab (default) or pipe. */
  separator?: 'tab' | 'pipe';
  /** FEC: EcritureNum over the file (default) or per journal. */
  numbering?: FecNumbering;
  /** FEC: latin9 = ISO 8859-15 (default, as A47 A-1 lists it) or utf8. */
  encoding?: 'latin9' | 'utf8';
  /** CSV: decimal comma (true) or point (false); absent: comma for a French company (csvDefaults). */
  decimalComma?: boolean;
  /** CSV: codes that look like numbers written as ="…" so spreadsheets keep them as text. */
  codesAsText?: boolean;
  /** Also write the PDFs of the invoices the exported entries refer to. */
  withPdf?: boolean;
  trigger?: 'manual' | 'closure' | 'nightly';
  onProgress?: (done: number, total: number) => void;
  /** Entries per SQL page. */
  pageSize?: number;
  /**
   * An export profile (DATA/profiles/NAME.json, loaded by the caller): its view of the books is
   * written, and "already exported" means exported by this profile (export_marks).
   */
  profile?: { name: string; profile: ExportProfile } | null;
}

export interface ExportOutcome {
  status: 'written' | 'empty' | 'refused';
  /** The legal yearly FEC: its financial year, and the export it replaced if any. */
  fiscalYear?: FiscalYear;
  replaced?: number | null;
  exportId: number | null;
  format: ExportFormat;
  /** The export profile that wrote it, null without one. */
  profile: string | null;
  from: string;
  to: string;
  store: string | null;
  file: string | null;
  /** The customers file written beside the entries (software formats), null when none. */
  customersFile: string | null;
  entryCount: number;
  lineCount: number;
  totalDebit: string;
  totalCredit: string;
  /** Entries of the period left out because an earlier export already holds them. */
  alreadyExported: number;
  warnings: string[];
  problems: ExportProblem[];
  pdfs: string[];
  message: string;
}

export interface ExportEnv {
  db: Db;
  data: string;
}


export function validateRequest(req: ExportRequest): void {
  if (!EXPORT_FORMATS.includes(req.format)) throw new TillsyncError('usage', `unknown export format "${req.format}"`, { hint: `use --format ${EXPORT_FORMATS.join(', ')}` });
  if (req.year !== undefined) {
    if (!Number.isInteger(req.year) || req.year < 1900 || req.year > 9999) throw new TillsyncError('usage', `--year "${req.year}" is not a year`, { hint: 'e.g. --year 2026' });
    if (req.from || req.to) throw new TillsyncError('usage', '--year and --from/--to do not go together', { hint: 'give the financial year (--year 2026) or a period (--from … --to …)' });
    if (req.format === 'fec' && req.store) throw new TillsyncError('usage', 'the yearly FEC covers the whole company: --store does not apply', { hint: 'leave out --store, or export a period extract with --from/--to --store' });
    if (req.separator) fecSeparator(req.separator);
    return;
  }
  req.from = parseDayOption('--from', req.from);
  req.to = parseDayOption('--to', req.to);
  if (req.from > req.to) throw new TillsyncError('usage', `--from ${req.from} is after --to ${req.to}`, { hint: 'swap the dates' });
  if (req.separator) fecSeparator(req.separator);
}

export function exportFileName(format: ExportFormat, siren: string, from: string, to: string, legal = false): string {
  if (format === 'fec') {
    try {
      return legal ? fecFileName(siren, to) : fecExtractName(siren, from, to);
    } catch (e) {
      throw new TillsyncError('company-siren', `cannot name the FEC: ${(e as Error).message}`, { hint: 'set the company SIREN in the base data (company), then export again' });
    }
  }
  const span = from === to ? fecDate(from) : `${fecDate(from)}-${fecDate(to)}`;
  if (format === 'exact') return `exact-${span}.xml`;
  if (format === 'csv') return `ecritures-${span}.csv`;
  return `${format}-${span}.${SOFTWARE_EXTENSION[format] ?? 'txt'}`;
}

const SOFTWARE_EXTENSION: Record<string, string> = { sage: 'pnm', cegid: 'tra' };

/** A profile's file names start with the profile (two profiles of one format never share a name); the legal FEC keeps its own. */
function profiledName(name: string, profile: string | null, legal: boolean): string {
  return profile && !legal ? `${profile}-${name}` : name;
}

/** The first name of the series no recorded export owns: a leftover of a crashed run is overwritten, a recorded file never. */
async function chooseTarget(db: Db, dir: string, name: string): Promise<string> {
  for (let n = 1; n < 1000; n++) {
    const path = join(dir, suffixedName(name, n));
    const owner = await db.selectFrom('exports').select('id').where('file', '=', path).executeTakeFirst();
    if (!owner) return path;
  }
  throw new TillsyncError('name-exhausted', `999 exports named ${name} already in ${dir}`, { hint: 'choose another --out folder' });
}

/** Writes chunks to a stream with back-pressure, hashing the bytes on the way. */
class FileSink {
  readonly hash = createHash('sha256');
  private readonly stream: WriteStream;
  private failed: Error | null = null;

  constructor(path: string, private readonly encode: (s: string) => Buffer) {
    this.stream = createWriteStream(path, { flags: 'w' });
    this.stream.on('error', (e) => {
      this.failed = e;
    });
  }

  async write(text: string): Promise<void> {
    if (this.failed) throw this.failed;
    if (!text) return;
    const bytes = this.encode(text);
    this.hash.update(bytes);
    if (!this.stream.write(bytes)) {
      await new Promise<void>((res, rej) => {
        const onDrain = () => {
          this.stream.off('error', onError);
          res();
        };
        const onError = (e: Error) => {
          this.stream.off('drain', onDrain);
          rej(e);
        };
        this.stream.once('drain', onDrain);
        this.stream.once('error', onError);
      });
    }
  }

  async close(): Promise<void> {
    if (this.failed) throw this.failed;
    // fsync before the rename: the name must never point at bytes still in the page cache only.
    await new Promise<void>((res, rej) => {
      this.stream.once('error', rej);
      this.stream.end(() => res());
    });
    const fd = openSync(this.stream.path as string, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  destroy(): void {
    this.stream.destroy();
  }
}

interface Writer {
  head(customers: ReadonlyMap<string, ExactCustomer>): string;
  entry(e: LedgerEntry): string;
  tail(): string;
  warnings: string[];
}

function softwareWriter(req: ExportRequest, company: Company): FormatWriter {
  const currency = company.currency || 'EUR';
  switch (req.format) {
    case 'sage':
      return new SageWriter();
    case 'ebp':
      return new EbpWriter();
    case 'ciel':
      return new CielWriter();
    case 'quadratus':
      return new QuadratusWriter(currency);
    default:
      return new CegidWriter({ currency, axis: req.profile?.profile.analytics?.plan });
  }
}

function writerFor(req: ExportRequest, ctx: { company: Company; exactJournals: ReadonlyMap<string, string> }): { writer: Writer; encode: (s: string) => Buffer; options: Record<string, unknown> } {
  if (SOFTWARE_FORMATS.has(req.format)) {
    const w = softwareWriter(req, ctx.company);
    // Windows software read ANSI: latin-9 keeps the accents of a label and never breaks a fixed width (one byte a character).
    return { writer: { head: () => w.head(), entry: (e) => w.entry(e), tail: () => w.tail(), get warnings() { return w.warnings; } }, encode: encodeLatin9, options: { encoding: 'latin9' } };
  }
  if (req.format === 'fec') {
    const fec = new FecWriter({ separator: fecSeparator(req.separator), numbering: req.numbering ?? 'file' });
    const encoding = req.encoding ?? 'latin9';
    return {
      writer: { head: () => fec.header(), entry: (e) => fec.entry(e), tail: () => '', warnings: [] },
      encode: encoding === 'utf8' ? (s) => Buffer.from(s, 'utf8') : encodeLatin9,
      options: { separator: req.separator ?? 'tab', numbering: req.numbering ?? 'file', encoding },
    };
  }
  if (req.format === 'exact') {
    const ex = new ExactWriter({ currency: ctx.company.currency || 'EUR', company: ctx.company, exactJournals: ctx.exactJournals, analyticField: req.profile?.profile.analytics?.exactField });
    return { writer: { head: (customers) => ex.head(customers), entry: (e) => ex.entry(e), tail: () => ex.tail(), warnings: ex.warnings }, encode: (s) => Buffer.from(s, 'utf8'), options: {} };
  }
  const decimalComma = req.decimalComma ?? csvDefaults(ctx.company).decimalComma;
  const csv = new CsvWriter({ decimalComma, codesAsText: req.codesAsText, analytic: Boolean(req.profile?.profile.analytics) });
  return { writer: { head: () => csv.header(), entry: (e) => csv.entry(e), tail: () => '', warnings: [] }, encode: (s) => Buffer.from(s, 'utf8'), options: { decimalComma, codesAsText: Boolean(req.codesAsText) } };
}

function describePeriod(req: ExportRequest): string {
  return `${req.from === req.to ? req.from : `${req.from}..${req.to}`}${req.store ? ` store ${req.store}` : ''}${req.profile ? ` (profile ${req.profile.name})` : ''}`;
}

export async function runExport(env: ExportEnv, req: ExportRequest): Promise<ExportOutcome> {
  validateRequest(req);
  let fy: FiscalYear | undefined;
  if (req.year !== undefined) {
    fy = fiscalYear((await loadBaseData(env.db)).company, req.year);
    // The legal file holds every entry of the year, whatever was exported before.
    req = { ...req, from: fy.start, to: fy.end, includeExported: req.format === 'fec' ? true : req.includeExported };
  }
  const legal = req.format === 'fec' && fy !== undefined;
  return withExportLock(env.db, env.data, () => runLocked(env, req, legal ? fy! : null));
}

/** The path of the legal yearly file: the same name every time; an earlier recorded file is replaced only when confirmed. */
async function legalTarget(db: Db, dir: string, name: string, req: ExportRequest): Promise<{ path: string; replaced: number | null }> {
  const path = join(dir, name);
  const owner = await db.selectFrom('exports').select('id').where('file', '=', path).orderBy('id', 'desc').executeTakeFirst();
  if (!owner || !existsSync(path)) return { path, replaced: null };
  const ok = typeof req.replace === 'function' ? await req.replace(path) : req.replace === true;
  if (!ok) {
    throw new TillsyncError('export-exists', `the FEC of financial year ${req.year} was already written (export #${owner.id}, ${path})`, {
      hint: 'add --yes to replace it (the legal file keeps its name: SIRENFECAAAAMMJJ)',
      status: 409,
      ref: { file: path },
    });
  }
  return { path, replaced: owner.id };
}

async function runLocked(env: ExportEnv, req: ExportRequest, fy: FiscalYear | null): Promise<ExportOutcome> {
  const { db, data } = env;
  // Entries written before entry numbers existed (or by fixtures) get theirs before any FEC shows one.
  if (req.format === 'fec') await numberUnnumberedEntries(db);
  const profileName = req.profile?.name ?? null;
  const q: LedgerQuery = { from: req.from, to: req.to, store: req.store ?? null, includeExported: Boolean(req.includeExported), profile: profileName };
  const base: ExportOutcome = {
    status: 'empty', exportId: null, format: req.format, profile: profileName, from: req.from, to: req.to, store: req.store ?? null, file: null, customersFile: null,
    entryCount: 0, lineCount: 0, totalDebit: '0.00', totalCredit: '0.00', alreadyExported: 0, warnings: [], problems: [], pdfs: [], message: '',
  };
  if (fy) base.fiscalYear = fy;
  const counts = await countLedger(db, q);
  base.alreadyExported = req.includeExported ? 0 : counts.alreadyExported;
  const view = readMappingView(data);
  // The yearly FEC opens with the previous years' balance-sheet balances (A47 A-1).
  const opening = fy ? openingEntry(await readClosingBalances(db, fy.start), fy, (a) => accountLabel(view, a)) : null;
  if (counts.entries === 0 && !opening) {
    base.message = counts.alreadyExported && !req.includeExported
      ? `nothing new to export for ${describePeriod(req)}: its ${counts.alreadyExported} entries were already exported (add --include-exported to write them again)`
      : `nothing to export for ${describePeriod(req)}: no posted entries in that period`;
    appendDayLog(data, `EXPORT ${req.format} ${describePeriod(req)}: ${base.message}`);
    return base;
  }

  // A ledger that fails a check is not handed to anyone: one error naming the check (books/check-registry.ts).
  await assertBooksSound(db, data, `export refused for ${describePeriod(req)}`, LEDGER_CHECKS);

  const baseData = await loadBaseData(db);
  const labels = labelsOf(view, baseData);
  await addMarketplaceCustomers(db, labels);
  const pageSize = req.pageSize ?? 500;

  // A profile's view of the books (software formats always read through one: credit notes, customers file).
  const chosen = req.profile ?? (SOFTWARE_FORMATS.has(req.format) ? { name: req.format, profile: { version: 1, format: req.format } as ExportProfile } : null);
  const profileView = chosen && req.format !== 'fec'
    ? new ProfileView({ name: chosen.name, profile: chosen.profile, mapping: existsSync(join(data, 'accounting.json')) ? loadMapping(data) : null, customers: baseData.customers, vatRates: baseData.vatRates, articles: baseData.articles, feeAccounts: chosen.profile.fees?.account ? [loadImportsConfig(data).marketplace.commissionAccount] : [] })
    : null;
  const pages = async function* (): AsyncGenerator<LedgerEntry[]> {
    for await (const page of readLedger(db, q, labels, pageSize)) {
      if (!profileView) {
        yield page;
        continue;
      }
      const docs = await documentsOf(db, page, { lines: profileView.articleAxis });
      const out = page.map((e) => profileView.apply(e, docs));
      // Third parties the profile generated are customers of the file too (Exact's Accounts, the customers file).
      for (const [code, c] of profileView.seen) if (!labels.customers.has(code)) labels.customers.set(code, { name: c.name, address: c.address, vatNumber: c.vatNumber });
      yield out;
    }
  };

  // The customers the file references (Exact writes their Accounts records before the transactions).
  const referenced = new Map<string, ExactCustomer>();
  if (req.format === 'exact') {
    const problems = new ProblemList();
    if (!view.found) problems.add('mapping-missing', 'mapping', `no accounting mapping in ${join(data, 'accounting.json')}: journals, accounts and VAT codes cannot be checked against Exact`, null);
    const mapping: ExactMapping = {
      journals: new Set(view.journals.keys()),
      exactJournals: view.exactJournals,
      accounts: view.accounts ? new Set(view.accounts.keys()) : null,
      vatCodes: view.vatCodes ?? new Set(baseData.vatRates.map((v) => v.code)),
      customers: labels.customers,
    };
    for await (const page of pages()) {
      for (const e of page) {
        checkExactEntry(e, mapping, problems);
        collectCustomers(e, labels.customers, referenced);
      }
    }
    if (problems.size) {
      base.status = 'refused';
      base.problems = problems.list;
      base.message = `Exact export refused for ${describePeriod(req)}: ${problems.size} problem${problems.size > 1 ? 's' : ''} to fix first`;
      await logEvent(db, data, { severity: 'error', channel: 'export', message: `${base.message}: ${base.problems.map(describeProblem).join('; ')}` });
      return base;
    }
  }

  const company = baseData.company;
  const name = profiledName(exportFileName(req.format, company.siren, req.from, req.to, fy !== null), profileName, fy !== null);
  const dir = resolve(req.out ?? join(data, 'exports'));
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw asWriteError(e, join(dir, name), dir, 'run the export again');
  }
  let replaced: number | null = null;
  let target: string;
  if (fy) ({ path: target, replaced } = await legalTarget(db, dir, name, req));
  else target = await chooseTarget(db, dir, name);
  const part = `${target}.part`;
  const { writer, encode, options } = writerFor(req, { company, exactJournals: view.exactJournals });
  const sink = new FileSink(part, encode);
  const ids: number[] = [];
  const documents = new Set<string>();
  let debit = new D(0);
  let credit = new D(0);
  let lines = 0;
  try {
    await sink.write(writer.head(referenced));
    if (opening) {
      await sink.write(writer.entry(opening));
      for (const l of opening.lines) {
        debit = debit.plus(l.debit);
        credit = credit.plus(l.credit);
        lines++;
      }
    }
    for await (const page of pages()) {
      let chunk = '';
      for (const e of page) {
        chunk += writer.entry(e);
        ids.push(e.id);
        for (const l of e.lines) {
          debit = debit.plus(l.debit || 0);
          credit = credit.plus(l.credit || 0);
          lines++;
          if (req.withPdf && l.documentNumber) documents.add(l.documentNumber);
        }
        if (req.withPdf && e.kind === 'sales' && e.piece && !e.piece.startsWith('*')) documents.add(e.piece);
      }
      await sink.write(chunk);
      crashPoint('export:mid-file');
      req.onProgress?.(ids.length, counts.entries);
    }
    await sink.write(writer.tail());
    await sink.close();
    renameSync(part, target);
    await fsyncDir(dir);
    crashPoint('export:after-rename');
  } catch (e) {
    sink.destroy();
    rmSync(part, { force: true });
    throw asWriteError(e, target, dir, 'run the export again');
  }

  // The customers the entries name, for the software that imports them apart (Quadratus has them inline).
  let customersPath: string | null = null;
  if (profileView && SOFTWARE_FORMATS.has(req.format) && req.format !== 'quadratus' && chosen!.profile.options?.customersFile !== false && profileView.seen.size) {
    customersPath = join(dir, `clients-${basename(target).replace(/\.[^.]+$/, '')}.txt`);
    try {
      writeFileSync(`${customersPath}.part`, encodeLatin9(customersFile(profileView.seen.values())));
      renameSync(`${customersPath}.part`, customersPath);
    } catch (e) {
      throw asWriteError(e, customersPath, dir, 'run the export again');
    }
  }

  const pdfs: string[] = [];
  if (req.withPdf && documents.size) {
    // Business customers' invoices are Factur-X (PDF/A-3 with their CII XML), the others plain PDF/A.
    // Loaded here only: pdfkit and its fonts cost every export without --with-pdf ~60 ms of start-up.
    const { produceInvoiceFiles } = await import('../einvoice/produce.ts');
    const { files } = await produceInvoiceFiles({ db, data }, [...documents].sort(), join(dir, 'invoices'), baseData);
    pdfs.push(...files.map((f) => f.file));
  }

  const createdAt = new Date().toISOString();
  const sha256 = sink.hash.digest('hex');
  const exportId = await db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('exports')
      .values({
        format: req.format, file: target, file_name: basename(target), date_from: req.from, date_to: req.to, store: req.store ?? null, trigger: req.trigger ?? 'manual',
        include_exported: req.includeExported ? 1 : 0, entry_count: ids.length, line_count: lines, total_debit: debit.toFixed(2), total_credit: credit.toFixed(2),
        first_entry: ids[0] ?? null, last_entry: ids[ids.length - 1] ?? null, sha256, options: JSON.stringify({ ...options, ...(customersPath ? { customersFile: basename(customersPath) } : {}), pdfs: pdfs.map((p) => basename(p)), ...(fy ? { fiscalYear: fy, opening: Boolean(opening), replaces: replaced } : {}) }), pdf_count: pdfs.length, created_at: createdAt,
        mailed_to: null, mailed_at: null, mail_error: null, profile: profileName,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    // First export wins: a re-export (--include-exported) leaves the entries on the export that first held them.
    // A profile's export marks (entry, profile) instead: another profile still exports the entry once.
    if (profileName) {
      const marked = new Set<number>();
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await trx.selectFrom('export_marks').select('entry_id').where('profile', '=', profileName).where('entry_id', 'in', ids.slice(i, i + 500)).execute();
        for (const r of rows) marked.add(Number(r.entry_id));
      }
      const fresh = ids.filter((id) => !marked.has(id));
      for (let i = 0; i < fresh.length; i += 500) {
        await trx.insertInto('export_marks').values(fresh.slice(i, i + 500).map((id) => ({ entry_id: id, profile: profileName, export_id: row.id }))).execute();
      }
    } else {
      for (let i = 0; i < ids.length; i += 500) {
        await trx.updateTable('entries').set({ export_id: row.id }).where('id', 'in', ids.slice(i, i + 500)).where('export_id', 'is', null).execute();
      }
    }
    return row.id;
  });

  const warnings = [...writer.warnings];
  for (const w of warnings) await logEvent(db, data, { severity: 'warning', channel: 'export', file: basename(target), message: w });
  const balanced = debit.equals(credit);
  const outcome: ExportOutcome = {
    ...base,
    status: 'written', exportId, file: target, customersFile: customersPath, entryCount: ids.length, lineCount: lines, totalDebit: debit.toFixed(2), totalCredit: credit.toFixed(2), warnings, pdfs, replaced,
    message: `export #${exportId}: ${fy ? `FEC of financial year ${fy.year} (${fy.start}..${fy.end}), ${opening ? `opening entry (${opening.lines.length} lines) and ` : ''}` : ''}${ids.length} entries (${lines} lines) of ${describePeriod(req)} written to ${target}${replaced !== null ? ` (replaces export #${replaced})` : ''}${pdfs.length ? ` with ${pdfs.length} invoice PDFs` : ''}${base.alreadyExported ? `; ${base.alreadyExported} already exported entries left out` : ''}`,
  };
  appendDayLog(data, `EXPORT ${req.format} #${exportId} ${describePeriod(req)} (${req.trigger ?? 'manual'}): ${ids.length} entries, ${lines} lines, debit ${debit.toFixed(2)} credit ${credit.toFixed(2)} → ${target}`);
  if (!balanced) await logEvent(db, data, { severity: 'error', channel: 'export', file: basename(target), message: `export #${exportId} does not balance: debit ${debit.toFixed(2)} ≠ credit ${credit.toFixed(2)} (check the posting)` });
  return outcome;
}

