/**
 * One B2C e-reporting run for a period: the sales to non-taxable customers (counter customers and
 * customers flagged `consumer`) per day, category (goods / services) and VAT rate — Flux 10.3 —
 * and, when services were sold (VAT due on collection), the money collected for them per day and
 * rate — Flux 10.4, its own file. The figures come from the integrated documents, or from the Z
 * reports for till-days integration has not taken (ereport-gather.ts); they are checked against the
 * books before anything is written, then each file (`.part`, fsync, rename) and its record,
 * export-once style: a period already reported is not reported again until `ereport-reset` (the
 * next files are then corrective ones, TypeCode RE).
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import * as z from '../../sync/zod-mini.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { fsyncDir, suffixedName } from '../../sync/atomic-file.ts';
import type { Db } from '../db/database.ts';
import type { ServerConfig } from '../context.ts';
import { loadBaseData } from '../base-data.ts';
import { appendDayLog, logEvent } from '../log-book.ts';
import { nowIso } from '../db/dialect.ts';
import { paymentsReportXml, transactionsReportXml, type DayPayments, type DayTransactions, type ReportHeader } from './flux10-xml.ts';
import { b2cRules, gatherB2c, type TieOut, type ZReportUse } from './ereport-gather.ts';
import { parsePeriod, VAT_REGIMES, type Period, type VatRegime } from './ereport-period.ts';

const ConfigSchema = z.object({
  regime: z._default(z.enum(VAT_REGIMES as [VatRegime, ...VatRegime[]]), 'decade'),
  /** The platform (PDP) that forwards the file: its 4-character number and name (Flux 10 sender). */
  platform: z._default(z.object({ id: z.string().check(z.length(4)), name: z.string().check(z.minLength(1)) }), { id: '0000', name: 'Plateforme agréée (à configurer)' }),
  out: z._default(z.string().check(z.minLength(1)), 'ereporting'),
  /** Report every period that is over in the nightly chain. */
  nightly: z._default(z.boolean(), false),
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
  /** The payments report (Flux 10.4): money collected for consumers' services, per day and rate. */
  payments: DayPayments[];
  paymentsFile: string | null;
  /** Till-days reported from their Z report (integration had not taken them). */
  fromZReports: ZReportUse[];
  notes: string[];
  tieOut: TieOut | null;
  message: string;
}

export type { TieOut, ZReportUse } from './ereport-gather.ts';

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
  const base: EreportOutcome = { status: 'empty', id: null, period, file: null, typeCode: null, transactions: 0, totalExcl: '0.00', totalVat: '0.00', days: [], payments: [], paymentsFile: null, fromZReports: [], notes: [], tieOut: null, message: '' };
  if (period.to >= today && !req.open) throw new TillsyncError('ereport-open-period', `e-reporting period ${period.label} (${period.from}..${period.to}) is not over`, { hint: 'report it once it has ended, or add --open to report what is known now (a later report of it then needs ereport-reset)' });
  const done = await env.db.selectFrom('ereports').select(['id', 'file']).where('period_from', '=', period.from).where('period_to', '=', period.to).where('reset_at', 'is', null).executeTakeFirst();
  if (done) return { ...base, status: 'already', id: done.id, file: done.file, message: `e-reporting ${period.label} already written as #${done.id} (${done.file}); tillsync server ereport-reset --id ${done.id} to write it again` };

  const b = await loadBaseData(env.db);
  if (!/^\d{9}$/.test(b.company.siren)) throw new TillsyncError('company-siren', `the company SIREN "${b.company.siren}" is not 9 digits`, { hint: 'set company.siren in the base data' });
  const { days, payments, tieOut, fromZReports, notes } = await gatherB2c(env.db, period, b2cRules(b));
  for (const n of notes) appendDayLog(env.data, `EREPORT ${period.label}: ${n}`);
  if (!days.length && !payments.length) {
    const message = `e-reporting ${period.label}: no sale to consumers in ${period.from}..${period.to}; nothing to report`;
    appendDayLog(env.data, `EREPORT ${message}`);
    return { ...base, tieOut, notes, message };
  }
  const reset = await env.db.selectFrom('ereports').select('id').where('period_from', '=', period.from).where('period_to', '=', period.to).where('reset_at', 'is not', null).executeTakeFirst();
  const typeCode = reset ? 'RE' : 'IN';
  const dir = resolve(req.out ?? (isAbsolute(cfg.out) ? cfg.out : join(env.data, cfg.out)));
  mkdirSync(dir, { recursive: true });
  const issuedAt = new Date();
  const header = (target: string, what: string): ReportHeader => ({
    id: basename(target, '.xml').replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 50),
    name: `E-reporting B2C ${what} ${period.label}`,
    issuedAt, typeCode, platform: cfg.platform, declarant: { siren: b.company.siren, name: b.company.name }, period, currency: b.company.currency || 'EUR',
  });
  // Which till-days come from Z reports, said in the file itself (an XML comment: the schemas ignore it) and in the log.
  const zNote = fromZReports.length ? `<!-- tillsync: from Z reports, not integrated yet: ${fromZReports.map((z) => `${z.day} till ${z.store}-${z.till} (${z.closure})`).join(', ')} -->\n` : '';
  const withNote = (xml: string) => (zNote ? xml.replace(/^(<\?xml[^>]*\?>\n)/, `$1${zNote}`) : xml);
  // One file per report (Flux 10 rule G6.29): the transactions, and the payments when services were collected.
  const target = await freeTarget(env.db, dir, `ER10_${b.company.siren}_${period.from.replace(/-/g, '')}_${period.to.replace(/-/g, '')}.xml`);
  const xml = withNote(transactionsReportXml(header(target, 'transactions'), days));
  writeDurably(target, xml);
  let paymentsFile: string | null = null;
  let paymentsSha: string | null = null;
  if (payments.length) {
    paymentsFile = await freeTarget(env.db, dir, `ER10P_${b.company.siren}_${period.from.replace(/-/g, '')}_${period.to.replace(/-/g, '')}.xml`);
    const pxml = withNote(paymentsReportXml(header(paymentsFile, 'paiements'), payments));
    writeDurably(paymentsFile, pxml);
    paymentsSha = createHash('sha256').update(pxml).digest('hex');
  }
  await fsyncDir(dir);
  const transactions = days.reduce((a, t) => a + t.count, 0);
  const totals = {
    days: days.map((t) => ({ day: t.day, category: t.category, count: t.count, rates: t.rates.map((r) => ({ rate: r.rate.toString(), base: r.base.toFixed(2), vat: r.vat.toFixed(2) })) })),
    payments: paymentsFile ? { file: paymentsFile, sha256: paymentsSha, days: payments.map((p) => ({ day: p.day, rates: p.rates.map((r) => ({ rate: r.rate.toString(), amount: r.amount.toFixed(2) })) })) } : null,
    fromZReports,
    tieOut,
  };
  const row = await env.db
    .insertInto('ereports')
    .values({ period_from: period.from, period_to: period.to, file: target, file_name: basename(target), sha256: createHash('sha256').update(xml).digest('hex'), totals: JSON.stringify(totals), transaction_count: transactions, total_excl: tieOut.reportedExcl, total_vat: tieOut.reportedVat, trigger: req.trigger ?? 'manual', created_at: nowIso(), reset_at: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const zText = fromZReports.length ? `; from Z reports (not integrated yet): ${fromZReports.map((z) => `${z.day} ${z.store}-${z.till} ${z.closure}`).join(', ')}` : '';
  const payText = paymentsFile ? `; services collected ${tieOut.collected} → ${paymentsFile}` : '';
  const message = `e-reporting #${row.id} ${period.label} (${typeCode}): ${transactions} consumer transactions, ${tieOut.reportedExcl} excl. VAT + ${tieOut.reportedVat} VAT → ${target}${payText}; ties out to the books (sales ${tieOut.ledgerSales} = consumers ${tieOut.b2cExcl} + e-invoiced ${tieOut.b2bExcl})${zText}`;
  appendDayLog(env.data, `EREPORT ${message}`);
  await logEvent(env.db, env.data, { severity: fromZReports.length ? 'warning' : 'info', channel: 'export', file: basename(target), message });
  return { status: 'written', id: row.id, period, file: target, typeCode, transactions, totalExcl: tieOut.reportedExcl, totalVat: tieOut.reportedVat, days, payments, paymentsFile, fromZReports, notes, tieOut, message };
}

/** A file name no recorded report uses (a corrective report gets -2, -3…). */
async function freeTarget(db: Db, dir: string, stem: string): Promise<string> {
  // A payments file is recorded inside its transactions report's row (totals.payments.file).
  const used = async (target: string) =>
    Boolean(await db.selectFrom('ereports').select('id').where((eb) => eb.or([eb('file', '=', target), eb('totals', 'like', `%${JSON.stringify(target).slice(1, -1)}%`)])).executeTakeFirst());
  let target = join(dir, stem);
  for (let n = 2; (await used(target)) && n < 1000; n++) target = join(dir, suffixedName(stem, n));
  return target;
}

function writeDurably(target: string, text: string): void {
  writeFileSync(`${target}.part`, text);
  const fd = openSync(`${target}.part`, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(`${target}.part`, target);
}

/** Makes recorded reports writable again (the next report of their period is a corrective one). */
export async function resetEreports(db: Db, ids: number[]): Promise<number> {
  if (!ids.length) return 0;
  const r = await db.updateTable('ereports').set({ reset_at: nowIso() }).where('id', 'in', ids).where('reset_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows);
}
