/**
 * Batches, runs and exports told as sentences in the page's language ("7 documents de 11 tickets,
 * aucun écarté, en 0,05 s") instead of their raw summary fields. A summary of a shape this does
 * not know (an older or newer version wrote it) falls back to its plain fields, shown as they are.
 */
import { formatNumber } from '../../sync/i18n.js';
import { amount, day, when } from './format.ts';
import { t, uiLang } from './i18n/index.ts';
import { summaryText } from './batches-queries.ts';

type Summary = Record<string, unknown> | null;

const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : Number(v) || 0);
const has = (s: Record<string, unknown>, ...keys: string[]) => keys.every((k) => k in s);
const seconds = (ms: unknown) => formatNumber((n(ms) / 1000).toFixed(2), uiLang(), 2);

function undone(s: Record<string, unknown>): string {
  return typeof s.undoneAt === 'string' ? t('summary.undoneAt', { at: when(s.undoneAt) }) : '';
}

function integration(s: Record<string, unknown>): string {
  const st = (s.stats ?? {}) as Record<string, unknown>;
  return t('summary.integration', {
    documents: n(s.documents),
    tickets: n(st.inDocuments) + n(st.paymentOnly),
    left: n(st.excluded) + n(st.leftOut),
    errors: n(s.errorCount),
    seconds: seconds(s.elapsedMs),
  });
}

function posting(s: Record<string, unknown>): string {
  const ex = (s.excluded ?? {}) as Record<string, unknown>;
  return t('summary.posting', {
    entries: n(s.entries),
    lines: n(s.lines),
    documents: n(s.documents),
    tickets: n(s.tickets),
    left: n(s.leftOut) + n(ex.documents) + n(ex.tickets) + n(s.heldBackCount),
    errors: n(s.errorCount),
    seconds: seconds(s.elapsedMs),
  });
}

function lettering(s: Record<string, unknown>): string {
  return t('summary.lettering', { groups: n(s.groups), partial: n(s.partial), keys: n(s.keysExamined) });
}

/** A marketplace-sales or bank-statement batch: what it wrote to the books. */
function importBatch(s: Record<string, unknown>): string {
  const l = (s.lettering ?? {}) as Record<string, unknown>;
  return t('summary.import', { entries: n(s.entries), groups: n(l.groups), partial: n(l.partial), settlements: n(s.settlements) });
}

/** One batch of the books (integration, posting, lettering, imports), or its raw fields when unknown. */
export function batchSentence(kind: string, summary: Summary): string {
  if (!summary) return '';
  const s = summary;
  let text: string | null = null;
  if (kind === 'integration' && has(s, 'documents', 'stats')) text = integration(s);
  else if (kind === 'posting' && has(s, 'entries', 'lines', 'documents')) text = posting(s);
  else if (kind === 'lettering' && has(s, 'groups', 'partial')) text = lettering(s);
  else if ((kind === 'import-sales' || kind === 'import-bank') && has(s, 'entries', 'lettering', 'settlements')) text = importBatch(s);
  return text === null ? summaryText(s) : text + undone(s);
}

/** One step of a nightly run. */
export function stepSentence(step: string, summary: unknown): string {
  if (!summary || typeof summary !== 'object') return summary === undefined || summary === null ? '' : String(summary);
  const s = summary as Record<string, unknown>;
  if (typeof s.skipped === 'string') return t('summary.skipped', { why: s.skipped });
  if (step === 'integrate') return batchSentence('integration', s);
  if (step === 'post') return batchSentence('posting', s);
  if (step === 'letter') return batchSentence('lettering', s);
  if (step === 'export' && 'status' in s) return t('summary.exportStep', { status: String(s.status), entries: n(s.entries), file: typeof s.file === 'string' ? s.file.split(/[\\/]/).pop() ?? '' : '' });
  if (step === 'ereport' && Array.isArray(s.reports)) {
    const reports = s.reports as { status?: string }[];
    return t('summary.ereportStep', { written: reports.filter((r) => r.status === 'written').length, already: reports.filter((r) => r.status === 'already').length, empty: reports.filter((r) => r.status === 'empty').length });
  }
  if (step === 'check' && Array.isArray(s.checks)) {
    const checks = s.checks as { ok?: boolean }[];
    const period = s.period as { from: string; to: string } | null | undefined;
    // A period check over a night that made nothing runs no check: "all 0 passed" would read as a pass.
    if (s.mode === 'period' && !period) return t('summary.checkNothing');
    const scope = period ? t('summary.checkPeriod', { from: day(period.from), to: day(period.to) }) : t('summary.checkWhole');
    return `${t('summary.checkStep', { total: checks.length, failed: checks.filter((c) => !c.ok).length })} ${scope}`;
  }
  return summaryText(s);
}

/** An export file: what it holds. */
export function exportSentence(x: { format: string; entry_count: number | string; line_count: number | string; total_debit: string | null; total_credit: string | null; trigger: string }): string {
  return t('summary.export', { format: x.format.toUpperCase(), entries: n(x.entry_count), lines: n(x.line_count), debit: amount(x.total_debit), balanced: x.total_debit === x.total_credit ? 'yes' : 'no', credit: amount(x.total_credit), trigger: x.trigger });
}
