/**
 * One B2C e-reporting run (Flux 10.3) for a period: the sales to non-taxable customers (the
 * counter customers' documents) per day, category and VAT rate, checked against the books before
 * anything is written, then the file (`.part`, fsync, rename) and its record, export-once style:
 * a period already reported is not reported again until `ereport-reset` (the next file is then a
 * corrective one, TypeCode RE).
 *
 * Tie-out (fails loudly, writes nothing): for the period, the sales journal's net credit on the
 * sales accounts (class 70) and on collected VAT (4457) equals Σ excl. VAT and Σ VAT of the posted
 * documents; the B2C part reported plus the B2B part (e-invoiced) makes exactly those totals.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { TillsyncError } from '../../sync/errors.ts';
import { D, type Dec } from '../../sync/money.ts';
import { fsyncDir, suffixedName } from '../../sync/atomic-file.ts';
import type { Db } from '../db/database.ts';
import type { ServerConfig } from '../context.ts';
import { loadBaseData } from '../base-data.ts';
import { appendDayLog, logEvent } from '../log-book.ts';
import { nowIso } from '../db/dialect.ts';
import { transactionsReportXml, type DayTransactions } from './flux10-xml.ts';
import { parsePeriod, VAT_REGIMES, type Period, type VatRegime } from './ereport-period.ts';

const ConfigSchema = z.object({
  regime: z.enum(VAT_REGIMES as [VatRegime, ...VatRegime[]]).default('decade'),
  /** The platform (PDP) that forwards the file: its 4-character number and name (Flux 10 sender). */
  platform: z.object({ id: z.string().length(4), name: z.string().min(1) }).default({ id: '0000', name: 'Plateforme agréée (à configurer)' }),
  out: z.string().min(1).default('ereporting'),
  /** Report every period that is over in the nightly chain. */
  nightly: z.boolean().default(false),
});
export type EreportConfig = z.infer<typeof ConfigSchema>;

/** server.json "ereporting" block, validated (defaults when absent). */
export function ereportConfig(config: ServerConfig): EreportConfig {
  const r = ConfigSchema.safeParse(config.ereporting ?? {});
  if (!r.success) {
    const i = r.error.issues[0];
    throw new TillsyncError('config', `server.json ereporting.${i.path.join('.')}: ${i.message}`, { hint: 'fix server.json (see docs/einvoicing.md)' });
  }
  return r.data;
}

export interface TieOut {
  ledgerSales: string;
  ledgerVat: string;
  documentsExcl: string;
  documentsVat: string;
  b2cExcl: string;
  b2cVat: string;
  b2bExcl: string;
  b2bVat: string;
}

export interface EreportOutcome {
  status: 'written' | 'already' | 'empty';
  id: number | null;
  period: Period;
  file: string | null;
  typeCode: 'IN' | 'RE' | null;
  transactions: number;
  totalExcl: string;
  totalVat: string;
  days: DayTransactions[];
  tieOut: TieOut | null;
  message: string;
}

interface Gathered {
  days: DayTransactions[];
  tieOut: TieOut;
}

/** The period's B2C figures and the books' totals; throws when they do not tie out. */
export async function gatherB2c(db: Db, period: Period, counters: Set<string>): Promise<Gathered> {
  const docs = await db
    .selectFrom('documents')
    .select(['id', 'number', 'kind', 'customer', 'day', 'total_excl', 'total_vat', 'ticket_count', 'posting_batch'])
    .where('day', '>=', period.from)
    .where('day', '<=', period.to)
    .where('kind', '!=', 'delivery-note')
    .orderBy('day')
    .orderBy('id')
    .execute();
  const unposted = docs.filter((d) => d.posting_batch === null);
  if (unposted.length) throw new TillsyncError('ereport-not-posted', `e-reporting ${period.label}: ${unposted.length} document(s) of the period are not posted (${unposted.slice(0, 3).map((d) => d.number).join(', ')}…)`, { hint: `run: tillsync server post --until ${period.to}, then report again` });
  const pending = await db
    .selectFrom('tickets')
    .select(['id', 'day'])
    .where('day', '>=', period.from)
    .where('day', '<=', period.to)
    .where('document_id', 'is', null)
    .where('integration_batch', 'is', null)
    .where('customer', 'in', [...counters, '__none__'])
    .limit(3)
    .execute();
  if (pending.length) throw new TillsyncError('ereport-not-integrated', `e-reporting ${period.label}: consumer tickets not integrated yet (${pending.map((t) => t.id).join(', ')}…)`, { hint: `run: tillsync server integrate --until ${period.to} and server post, then report again` });

  const b2c = docs.filter((d) => counters.has(d.customer));
  const vatRows = b2c.length ? await db.selectFrom('document_vat').select(['document_id', 'rate', 'base', 'vat']).where('document_id', 'in', b2c.map((d) => d.id)).execute() : [];
  const byDoc = new Map<number, typeof vatRows>();
  for (const r of vatRows) byDoc.set(Number(r.document_id), [...(byDoc.get(Number(r.document_id)) ?? []), r]);
  const days = new Map<string, DayTransactions>();
  for (const d of b2c) {
    // TODO(operation category): all goods (TLB1) until documents carry goods/services.
    const t = days.get(d.day) ?? { day: d.day, category: 'TLB1' as const, count: 0, rates: [] };
    t.count += d.ticket_count;
    for (const r of byDoc.get(d.id) ?? []) {
      const rate = new D(r.rate);
      const row = t.rates.find((x) => x.rate.equals(rate)) ?? (t.rates.push({ rate, base: new D(0), vat: new D(0) }), t.rates[t.rates.length - 1]);
      row.base = row.base.plus(r.base);
      row.vat = row.vat.plus(r.vat);
    }
    days.set(d.day, t);
  }
  for (const t of days.values()) t.rates.sort((a, b) => b.rate.comparedTo(a.rate));

  const sum = (rows: { v: string }[]) => rows.reduce((a, r) => a.plus(r.v), new D(0));
  const docsExcl = sum(docs.map((d) => ({ v: d.total_excl })));
  const docsVat = sum(docs.map((d) => ({ v: d.total_vat })));
  const b2cExcl = sum(b2c.map((d) => ({ v: d.total_excl })));
  const b2cVat = sum(b2c.map((d) => ({ v: d.total_vat })));
  const lines = await db
    .selectFrom('entry_lines as l')
    .innerJoin('entries as e', 'e.id', 'l.entry_id')
    .select(['l.account', 'l.debit', 'l.credit'])
    .where('e.kind', '=', 'sales')
    .where('e.entry_date', '>=', period.from)
    .where('e.entry_date', '<=', period.to)
    .where((eb) => eb.or([eb('l.account', 'like', '70%'), eb('l.account', 'like', '4457%')]))
    .execute();
  let ledgerSales = new D(0);
  let ledgerVat = new D(0);
  for (const l of lines) {
    const net = new D(l.credit || 0).minus(l.debit || 0);
    if (l.account.startsWith('70')) ledgerSales = ledgerSales.plus(net);
    else ledgerVat = ledgerVat.plus(net);
  }
  const f = (x: Dec) => x.toFixed(2);
  const tieOut: TieOut = { ledgerSales: f(ledgerSales), ledgerVat: f(ledgerVat), documentsExcl: f(docsExcl), documentsVat: f(docsVat), b2cExcl: f(b2cExcl), b2cVat: f(b2cVat), b2bExcl: f(docsExcl.minus(b2cExcl)), b2bVat: f(docsVat.minus(b2cVat)) };
  const reported = [...days.values()];
  const reportedExcl = reported.reduce((a, t) => t.rates.reduce((b, r) => b.plus(r.base), a), new D(0));
  const reportedVat = reported.reduce((a, t) => t.rates.reduce((b, r) => b.plus(r.vat), a), new D(0));
  const problems: string[] = [];
  if (!ledgerSales.equals(docsExcl)) problems.push(`sales accounts (70) ${f(ledgerSales)} ≠ documents excl. VAT ${f(docsExcl)}`);
  if (!ledgerVat.equals(docsVat)) problems.push(`collected VAT (4457) ${f(ledgerVat)} ≠ documents VAT ${f(docsVat)}`);
  if (!reportedExcl.equals(b2cExcl) || !reportedVat.equals(b2cVat)) problems.push(`reported ${f(reportedExcl)} + ${f(reportedVat)} VAT ≠ consumer documents ${f(b2cExcl)} + ${f(b2cVat)}`);
  if (problems.length) throw new TillsyncError('ereport-tie-out', `e-reporting ${period.label} does not tie out to the books: ${problems.join('; ')}`, { hint: 'run tillsync server check; nothing was written' });
  return { days: reported, tieOut };
}

export interface EreportRequest {
  period: string;
  regime?: VatRegime;
  out?: string;
  /** Report a period that is not over yet (the demo does; a later report of it needs ereport-reset). */
  open?: boolean;
  trigger?: 'manual' | 'nightly';
  today?: string;
}

export async function runEreport(env: { db: Db; data: string; config: ServerConfig }, req: EreportRequest): Promise<EreportOutcome> {
  const cfg = ereportConfig(env.config);
  const regime = req.regime ?? cfg.regime;
  const today = req.today ?? new Date().toISOString().slice(0, 10);
  const period = parsePeriod(req.period, regime, today);
  const base: EreportOutcome = { status: 'empty', id: null, period, file: null, typeCode: null, transactions: 0, totalExcl: '0.00', totalVat: '0.00', days: [], tieOut: null, message: '' };
  if (period.to >= today && !req.open) throw new TillsyncError('ereport-open-period', `e-reporting period ${period.label} (${period.from}..${period.to}) is not over`, { hint: 'report it once it has ended, or add --open to report what is known now (a later report of it then needs ereport-reset)' });
  const done = await env.db.selectFrom('ereports').select(['id', 'file']).where('period_from', '=', period.from).where('period_to', '=', period.to).where('reset_at', 'is', null).executeTakeFirst();
  if (done) return { ...base, status: 'already', id: done.id, file: done.file, message: `e-reporting ${period.label} already written as #${done.id} (${done.file}); tillsync server ereport-reset --id ${done.id} to write it again` };

  const b = await loadBaseData(env.db);
  if (!/^\d{9}$/.test(b.company.siren)) throw new TillsyncError('company-siren', `the company SIREN "${b.company.siren}" is not 9 digits`, { hint: 'set company.siren in the base data' });
  const counters = new Set(b.customers.filter((c) => c.counter).map((c) => c.code));
  const { days, tieOut } = await gatherB2c(env.db, period, counters);
  if (!days.length) {
    const message = `e-reporting ${period.label}: no sale to consumers in ${period.from}..${period.to}; nothing to report`;
    appendDayLog(env.data, `EREPORT ${message}`);
    return { ...base, tieOut, message };
  }
  const reset = await env.db.selectFrom('ereports').select('id').where('period_from', '=', period.from).where('period_to', '=', period.to).where('reset_at', 'is not', null).executeTakeFirst();
  const typeCode = reset ? 'RE' : 'IN';
  const dir = resolve(req.out ?? (isAbsolute(cfg.out) ? cfg.out : join(env.data, cfg.out)));
  mkdirSync(dir, { recursive: true });
  const stem = `ER10_${b.company.siren}_${period.from.replace(/-/g, '')}_${period.to.replace(/-/g, '')}.xml`;
  let target = join(dir, stem);
  for (let n = 2; (await env.db.selectFrom('ereports').select('id').where('file', '=', target).executeTakeFirst()) && n < 1000; n++) target = join(dir, suffixedName(stem, n));
  const issuedAt = new Date();
  const id = basename(target, '.xml').replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 50);
  const xml = transactionsReportXml(
    { id, name: `E-reporting B2C ${period.label}`, issuedAt, typeCode, platform: cfg.platform, declarant: { siren: b.company.siren, name: b.company.name }, period, currency: b.company.currency || 'EUR' },
    days,
  );
  writeFileSync(`${target}.part`, xml);
  const fd = openSync(`${target}.part`, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(`${target}.part`, target);
  await fsyncDir(dir);
  const transactions = days.reduce((a, t) => a + t.count, 0);
  const row = await env.db
    .insertInto('ereports')
    .values({ period_from: period.from, period_to: period.to, file: target, file_name: basename(target), sha256: createHash('sha256').update(xml).digest('hex'), totals: JSON.stringify({ days: days.map((t) => ({ day: t.day, category: t.category, count: t.count, rates: t.rates.map((r) => ({ rate: r.rate.toString(), base: r.base.toFixed(2), vat: r.vat.toFixed(2) })) })), tieOut }), transaction_count: transactions, total_excl: tieOut.b2cExcl, total_vat: tieOut.b2cVat, trigger: req.trigger ?? 'manual', created_at: nowIso(), reset_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const message = `e-reporting #${row.id} ${period.label} (${typeCode}): ${transactions} consumer transactions, ${tieOut.b2cExcl} excl. VAT + ${tieOut.b2cVat} VAT → ${target}; ties out to the books (sales ${tieOut.ledgerSales} = consumers ${tieOut.b2cExcl} + e-invoiced ${tieOut.b2bExcl})`;
  appendDayLog(env.data, `EREPORT ${message}`);
  await logEvent(env.db, env.data, { severity: 'info', channel: 'export', file: basename(target), message });
  return { status: 'written', id: row.id, period, file: target, typeCode, transactions, totalExcl: tieOut.b2cExcl, totalVat: tieOut.b2cVat, days, tieOut, message };
}

/** Makes recorded reports writable again (the next report of their period is a corrective one). */
export async function resetEreports(db: Db, ids: number[]): Promise<number> {
  if (!ids.length) return 0;
  const r = await db.updateTable('ereports').set({ reset_at: nowIso() }).where('id', 'in', ids).where('reset_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows);
}
