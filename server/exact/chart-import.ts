/**
 * `server exact import-accounts [--all]` and `import-journals` (seed 001: "Nous importons
 * automatiquement et seulement les comptes de ventes. Car par défaut, il y a plus de 400 comptes
 * généraux dans EOL"; "Les doublons ne seront pas repris"). Exact's financial/GLAccounts (Type 110
 * = revenue, unless --all) and financial/Journals become the same ImportedItem list the CSV import
 * reads, and go through the same checks and the same merge (accounting/accounts-import.ts): an
 * account number that is not letters and digits, a journal code with spaces, is listed as
 * malformed; a code already in the mapping or repeated is ignored, never overwritten.
 */
import { loadMapping, mappingPath, writeMapping } from '../accounting/mapping.ts';
import { mergeImport, type ImportedItem, type ImportReport } from '../accounting/accounts-import.ts';
import { appendDayLog } from '../log-book.ts';
import type { ExactApi } from './exact-api.ts';

/** Exact GLAccount Type of revenue accounts (the "comptes de ventes"). */
export const REVENUE_TYPE = 110;

export interface ChartImportOutcome extends ImportReport {
  what: 'accounts' | 'journals';
  read: number;
  mapping: string;
  message: string;
}

/** Rows of Exact as CSV-import items: `line` is the row's position in Exact's answer (1-based). */
export function itemsOf(kind: 'account' | 'journal', rows: { Code?: unknown; Description?: unknown }[]): { items: ImportedItem[]; malformed: ImportReport['malformed'] } {
  const items: ImportedItem[] = [];
  const malformed: ImportReport['malformed'] = [];
  rows.forEach((r, i) => {
    const code = String(r.Code ?? '').trim();
    const label = String(r.Description ?? '').trim();
    const text = `${code} ${label}`.trim();
    if (!code) return void malformed.push({ line: i + 1, text, reason: 'no code' });
    if (kind === 'account' && !/^[0-9A-Za-z]{1,20}$/.test(code)) return void malformed.push({ line: i + 1, text, reason: `"${code}" is not an account number (letters and digits)` });
    if (kind === 'journal' && !/^\S{1,20}$/.test(code)) return void malformed.push({ line: i + 1, text, reason: `"${code}" is not a journal code` });
    items.push({ kind, code, label: label || code, line: i + 1 });
  });
  return { items, malformed };
}

function outcome(data: string, what: ChartImportOutcome['what'], read: number, report: ImportReport): ChartImportOutcome {
  const added = report.added.length;
  const message = `Exact Online: ${read} ${what} read, ${added} added to ${mappingPath(data)}, ${report.ignored.length} duplicate(s) skipped, ${report.malformed.length} malformed`;
  return { ...report, what, read, mapping: mappingPath(data), message };
}

export async function importAccounts(api: ExactApi, data: string, opts: { all?: boolean } = {}): Promise<ChartImportOutcome> {
  const filter = opts.all ? '' : `&$filter=Type eq ${REVENUE_TYPE}`;
  const rows = await api.list<{ Code: string; Description: string }>(`financial/GLAccounts?$select=ID,Code,Description,Type${filter}`);
  const { mapping, report } = mergeImport(loadMapping(data), itemsOf('account', rows));
  if (report.added.length) writeMapping(data, mapping);
  const out = outcome(data, 'accounts', rows.length, report);
  appendDayLog(data, `EXACT import-accounts${opts.all ? ' --all' : ''}: ${out.message}`);
  return out;
}

export async function importJournals(api: ExactApi, data: string): Promise<ChartImportOutcome> {
  const rows = await api.list<{ Code: string; Description: string }>('financial/Journals?$select=ID,Code,Description,Type');
  const { mapping, report } = mergeImport(loadMapping(data), itemsOf('journal', rows));
  if (report.added.length) writeMapping(data, mapping);
  const out = outcome(data, 'journals', rows.length, report);
  appendDayLog(data, `EXACT import-journals: ${out.message}`);
  return out;
}

export function renderChartImport(o: ChartImportOutcome): string {
  return [o.message, ...o.ignored.map((x) => `  ${x.kind} ${x.code} skipped (${x.reason.replace(/line (\d+)/, 'row $1 of Exact')})`), ...o.malformed.map((x) => `  row ${x.line} of Exact: ${x.reason}: ${x.text}`)].join('\n');
}
