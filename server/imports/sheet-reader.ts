/**
 * Rows of a marketplace report, .xlsx or .csv, as plain values (string, number, Date, null) with
 * their sheet and 1-based row number. .xlsx is read with exceljs's streaming reader (rows are
 * emitted as the sheet XML is inflated, so a large report never sits whole in memory). The
 * streaming reader skips merged-cell ranges, so they are read from each sheet's <mergeCells>
 * (after its rows, by the xlsx layout) through the package's own zip directory: a row inside a
 * merge gets a verdict instead of silently losing the values the merge hid.
 */
import { readFileSync } from 'node:fs';
import AdmZip from 'adm-zip';
import type ExcelJS from 'exceljs';
import { TillsyncError } from '../../sync/errors.ts';
import { decodeText, splitCsvLine } from '../accounting/accounts-import.ts';

export type CellValue = string | number | Date | null;

export interface SheetRows {
  name: string;
  rows: { line: number; cells: CellValue[] }[];
  /** Merged ranges as written in the sheet: "A7:F7". */
  merges: string[];
}

function plain(v: unknown): CellValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || v instanceof Date) return v;
  if (typeof v === 'boolean') return String(v);
  const o = v as { result?: unknown; richText?: { text: string }[]; text?: string; error?: string };
  if (o.richText) return o.richText.map((t) => t.text).join('');
  if ('result' in o) return plain(o.result);
  if (typeof o.text === 'string') return o.text;
  if (o.error) return null;
  return String(v);
}

/** Sheet name → merged ranges, from xl/workbook.xml, its rels and each sheet's <mergeCell ref>. */
function mergesOf(file: string): Map<string, string[]> {
  const zip = new AdmZip(file);
  const read = (p: string) => zip.getEntry(p)?.getData().toString('utf8') ?? '';
  const rels = new Map<string, string>();
  for (const m of read('xl/_rels/workbook.xml.rels').matchAll(/<Relationship\b[^>]*>/g)) {
    const id = /Id="([^"]+)"/.exec(m[0])?.[1];
    const target = /Target="([^"]+)"/.exec(m[0])?.[1];
    if (id && target) rels.set(id, target.replace(/^\/?(xl\/)?/, 'xl/'));
  }
  const out = new Map<string, string[]>();
  for (const m of read('xl/workbook.xml').matchAll(/<sheet\b[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(m[0])?.[1];
    const rid = /r:id="([^"]+)"/.exec(m[0])?.[1];
    const target = rid ? rels.get(rid) : undefined;
    if (!name || !target) continue;
    const xml = read(target);
    const at = xml.lastIndexOf('<mergeCells');
    const refs = at < 0 ? [] : [...xml.slice(at).matchAll(/<mergeCell\b[^>]*ref="([A-Z]+\d+:[A-Z]+\d+)"/g)].map((x) => x[1]);
    out.set(name.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'"), refs);
  }
  return out;
}

function rowCells(row: ExcelJS.Row): { line: number; cells: CellValue[] } {
  const values = row.values as unknown[];
  const cells: CellValue[] = [];
  for (let c = 1; c < values.length; c++) cells.push(plain(values[c]));
  return { line: row.number, cells };
}

/**
 * exceljs (with its zip reader and writer) is loaded when a report is read, not with the module:
 * `server start` reaches this file through the back office's import pages, and exceljs was 40 % of
 * its start-up CPU.
 */
async function excel(): Promise<typeof ExcelJS> {
  return (await import('exceljs')).default;
}

async function streamSheets(file: string): Promise<SheetRows[]> {
  const sheets: SheetRows[] = [];
  const Excel = await excel();
  const reader = new Excel.stream.xlsx.WorkbookReader(file, { sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'cache', worksheets: 'emit', entries: 'emit' });
  for await (const ws of reader) {
    const w = ws as unknown as AsyncIterable<ExcelJS.Row> & { name: string };
    const sheet: SheetRows = { name: w.name, rows: [], merges: [] };
    for await (const row of w) sheet.rows.push(rowCells(row));
    sheets.push(sheet);
  }
  return sheets;
}

async function wholeSheets(file: string): Promise<SheetRows[]> {
  const Excel = await excel();
  const wb = new Excel.Workbook();
  await wb.xlsx.readFile(file);
  return wb.worksheets.map((ws) => {
    const sheet: SheetRows = { name: ws.name, rows: [], merges: [] };
    ws.eachRow((row) => sheet.rows.push(rowCells(row)));
    return sheet;
  });
}

export async function readXlsx(file: string): Promise<SheetRows[]> {
  let sheets: SheetRows[];
  try {
    sheets = await streamSheets(file);
  } catch (e) {
    // ExcelJS's streaming reader now and then reaches a worksheet before the workbook part it
    // needs ("reading 'sheets'" of undefined) on a sound file; a refusal must come from the file.
    sheets = await wholeSheets(file).catch(() => {
      throw new TillsyncError('bad-file', `${file} is not a readable .xlsx workbook: ${(e as Error).message}`, { hint: 'save the report again as .xlsx (Excel 2007+) or export it as .csv', ref: { file } });
    });
  }
  const merges = mergesOf(file);
  for (const s of sheets) s.merges = merges.get(s.name) ?? [];
  return sheets;
}

export function readCsvSheet(file: string): SheetRows[] {
  const lines = decodeText(readFileSync(file)).split(/\r?\n/);
  const first = lines.find((l) => l.trim()) ?? '';
  const sep = [';', '\t', ','].map((s) => [s, first.split(s).length] as const).sort((a, b) => b[1] - a[1])[0][0];
  const rows: SheetRows['rows'] = [];
  lines.forEach((l, i) => {
    if (l.trim()) rows.push({ line: i + 1, cells: splitCsvLine(l, sep) });
  });
  return [{ name: 'csv', rows, merges: [] }];
}

export async function readReport(file: string): Promise<SheetRows[]> {
  if (/\.xlsx$/i.test(file)) return readXlsx(file);
  if (/\.(csv|txt)$/i.test(file)) return readCsvSheet(file);
  throw new TillsyncError('bad-file', `${file}: only .xlsx and .csv reports are read`, { hint: 'save the report as .xlsx or .csv' });
}

/** "B12" → [row 12, col 2]. */
export function cellRef(ref: string): { row: number; col: number } {
  const m = /^([A-Z]+)(\d+)$/.exec(ref)!;
  let col = 0;
  for (const ch of m[1]) col = col * 26 + (ch.charCodeAt(0) - 64);
  return { row: Number(m[2]), col };
}
