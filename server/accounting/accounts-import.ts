/**
 * Imports a chart of accounts and journals exported by the accounting software (seed 001: the
 * general accounts and the journals are imported; "Les doublons ne seront pas repris"). Pure: CSV
 * text in, accounts/journals plus a line-numbered report out; the CLI writes the merged mapping.
 *
 * Accepted: `;`, `,` or tab separated, optional double quotes, UTF-8 or Latin-1, a header naming
 * the columns (type, number/code, label — French names too), or no header with `number;label`
 * (all accounts) or `type;code;label` lines (type = account|compte|journal).
 */
import type { AccountingMapping } from './mapping.ts';

export interface ImportedItem {
  kind: 'account' | 'journal';
  code: string;
  label: string;
  line: number;
}

export interface ImportReport {
  added: ImportedItem[];
  /** Already in the mapping or repeated in the file (line numbers in the file). */
  ignored: (ImportedItem & { reason: string })[];
  malformed: { line: number; text: string; reason: string }[];
}

const TYPE_COLS = ['type', 'kind', 'nature'];
const CODE_COLS = ['number', 'numero', 'numéro', 'no', 'n°', 'code', 'account', 'compte', 'journal'];
const LABEL_COLS = ['label', 'libelle', 'libellé', 'description', 'name', 'nom', 'intitule', 'intitulé'];

export function decodeText(bytes: Buffer): string {
  const utf8 = bytes.toString('utf8');
  // Windows accounting exports are often Latin-1: invalid UTF-8 shows up as U+FFFD.
  const text = utf8.includes('\uFFFD') ? bytes.toString('latin1') : utf8;
  return text.replace(/^\uFEFF/, '');
}

export function splitCsvLine(line: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"' && cur.trim() === '') {
      quoted = true;
      cur = '';
    } else if (ch === sep) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

function detectSeparator(line: string): string {
  const counts = [';', '\t', ','].map((s) => [s, line.split(s).length - 1] as const);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0][1] > 0 ? counts[0][0] : ';';
}

const norm = (s: string) => s.toLowerCase().normalize('NFC').trim();

function kindOf(v: string): 'account' | 'journal' | null {
  const t = norm(v);
  if (['account', 'compte', 'comptes', 'gl', 'glaccount', 'general', 'général', 'a', 'c'].includes(t)) return 'account';
  if (['journal', 'journaux', 'j'].includes(t)) return 'journal';
  return null;
}

export function parseAccountsCsv(text: string): { items: ImportedItem[]; malformed: ImportReport['malformed'] } {
  const lines = text.split(/\r?\n/);
  const items: ImportedItem[] = [];
  const malformed: ImportReport['malformed'] = [];
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first < 0) return { items, malformed };
  const sep = detectSeparator(lines[first]);
  const head = splitCsvLine(lines[first], sep).map(norm);
  const hasHeader = head.some((h) => [...TYPE_COLS, ...CODE_COLS, ...LABEL_COLS].includes(h)) && !/^\d/.test(head[0]);
  let typeCol = -1;
  let codeCol = 0;
  let labelCol = 1;
  if (hasHeader) {
    typeCol = head.findIndex((h) => TYPE_COLS.includes(h));
    codeCol = head.findIndex((h, i) => i !== typeCol && CODE_COLS.includes(h));
    labelCol = head.findIndex((h) => LABEL_COLS.includes(h));
    if (codeCol < 0) {
      malformed.push({ line: first + 1, text: lines[first], reason: 'the header names no number/code column' });
      return { items, malformed };
    }
  }
  for (let i = hasHeader ? first + 1 : first; i < lines.length; i++) {
    const raw = lines[i];
    if (!raw.trim() || raw.trim().startsWith('#')) continue;
    const f = splitCsvLine(raw, sep);
    let kind: 'account' | 'journal' | null = 'account';
    let code: string;
    let label: string;
    if (hasHeader) {
      kind = typeCol >= 0 ? kindOf(f[typeCol] ?? '') : 'account';
      code = f[codeCol] ?? '';
      label = labelCol >= 0 ? (f[labelCol] ?? '') : '';
    } else if (f.length >= 3 && kindOf(f[0])) {
      kind = kindOf(f[0]);
      code = f[1];
      label = f.slice(2).join(' ');
    } else {
      code = f[0];
      label = f.slice(1).join(' ');
    }
    if (!kind) {
      malformed.push({ line: i + 1, text: raw, reason: `unknown type "${f[typeCol] ?? f[0]}" (expected account or journal)` });
      continue;
    }
    if (!code) {
      malformed.push({ line: i + 1, text: raw, reason: 'no number/code' });
      continue;
    }
    if (kind === 'account' && !/^[0-9A-Za-z]{1,20}$/.test(code)) {
      malformed.push({ line: i + 1, text: raw, reason: `"${code}" is not an account number (letters and digits)` });
      continue;
    }
    if (kind === 'journal' && !/^\S{1,20}$/.test(code)) {
      malformed.push({ line: i + 1, text: raw, reason: `"${code}" is not a journal code` });
      continue;
    }
    items.push({ kind, code, label: label || code, line: i + 1 });
  }
  return { items, malformed };
}

/** Adds the new accounts and journals to a copy of the mapping; duplicates are ignored, never overwritten. */
export function mergeImport(m: AccountingMapping, parsed: ReturnType<typeof parseAccountsCsv>): { mapping: AccountingMapping; report: ImportReport } {
  const mapping: AccountingMapping = { ...m, chart: [...m.chart], journalList: [...m.journalList] };
  const accounts = new Map(m.chart.map((a) => [a.number, 'the mapping'] as [string, string]));
  const journals = new Map(m.journalList.map((j) => [j.code, 'the mapping'] as [string, string]));
  const report: ImportReport = { added: [], ignored: [], malformed: parsed.malformed };
  for (const it of parsed.items) {
    const seen = it.kind === 'account' ? accounts : journals;
    const before = seen.get(it.code);
    if (before) {
      report.ignored.push({ ...it, reason: `duplicate of ${before}` });
      continue;
    }
    seen.set(it.code, `line ${it.line}`);
    if (it.kind === 'account') mapping.chart.push({ number: it.code, label: it.label });
    else mapping.journalList.push({ code: it.code, label: it.label });
    report.added.push(it);
  }
  mapping.chart.sort((a, b) => a.number.localeCompare(b.number));
  return { mapping, report };
}
