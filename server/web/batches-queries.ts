/** Read-only list of batches (integration, posting, lettering, export) for the back office. */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export interface BatchRow {
  id: number;
  kind: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  params: Record<string, unknown>;
  summary: Record<string, unknown> | null;
}

function parse(text: string | null): Record<string, unknown> | null {
  if (!text) return null;
  try {
    const v = JSON.parse(text);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : { value: v };
  } catch {
    return { text };
  }
}

export async function listBatches(db: Kysely<Database>, kind: string, limit = 30): Promise<BatchRow[]> {
  const rows = await db.selectFrom('batches').selectAll().where('kind', '=', kind).orderBy('id', 'desc').limit(limit).execute();
  return rows.map((b) => ({ id: Number(b.id), kind: b.kind, status: b.status, startedAt: b.started_at, finishedAt: b.finished_at, params: parse(b.params) ?? {}, summary: parse(b.summary) }));
}

/** "documents: 3, tickets: 12" from a batch summary's plain fields. */
export function summaryText(s: Record<string, unknown> | null): string {
  if (!s) return '';
  return Object.entries(s)
    .filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v) || (Array.isArray(v) && v.length < 6 && v.every((x) => typeof x !== 'object')))
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`)
    .join(' · ');
}
