/**
 * The dashboard's figures: intake's own `serverStatus` (tills, last contact, gaps, inbox,
 * quarantine, packages) plus read-only counts the back office adds — tickets a received Z report
 * counts beyond what arrived, an estimate of what each till holds unsent since its last contact,
 * and the pending work of integration, posting and lettering.
 */
import type { ServerContext } from '../context.ts';
import { serverStatus, type ServerStatus, type TillStatusRow } from '../intake/status.ts';

export interface TillRow extends TillStatusRow {
  firstNumber: number | null;
  /** Tickets a received Z report counts beyond the last ticket received. */
  missingFromClosures: number;
  /** Tickets the till probably sold since its last contact (average per day × days away). */
  unsyncedEstimate: number;
  lastClosureDay: string | null;
}

export interface DashboardData {
  status: ServerStatus;
  tills: TillRow[];
  pendingTickets: number;
  errorTickets: number;
  documents: number;
  unpostedDocuments: number;
  entries: number;
  openSettlements: number;
  recentErrors: number;
  lastBatches: { id: number; kind: string; status: string; started_at: string; finished_at: string | null }[];
}

export async function loadDashboard(ctx: ServerContext, now = new Date()): Promise<DashboardData> {
  const { db } = ctx;
  const status = await serverStatus(ctx);
  const spans = await db
    .selectFrom('tickets')
    .select((eb) => ['store', 'till', eb.fn.min<number>('number').as('first'), eb.fn.min<string>('day').as('first_day'), eb.fn.max<string>('day').as('last_day')])
    .groupBy(['store', 'till'])
    .execute();
  const span = new Map(spans.map((s) => [`${s.store}-${s.till}`, s]));
  const closures = await db.selectFrom('closures').select(['store', 'till', 'day', 'content']).execute();
  const lastZ = new Map<string, { day: string; lastNumber: number | null }>();
  for (const c of closures) {
    let lastNumber: number | null = null;
    try {
      lastNumber = (JSON.parse(c.content) as { lastNumber?: number | null }).lastNumber ?? null;
    } catch {
      // An unreadable closure gives no figure here; intake logs it.
    }
    const key = `${c.store}-${c.till}`;
    const prev = lastZ.get(key);
    if (!prev || (lastNumber ?? 0) > (prev.lastNumber ?? 0) || (lastNumber === prev.lastNumber && c.day > prev.day)) lastZ.set(key, { day: c.day, lastNumber });
  }
  const tills: TillRow[] = status.tills.map((t) => {
    const s = span.get(t.id);
    const z = lastZ.get(t.id);
    const last = t.lastNumber ?? 0;
    const missingFromClosures = z?.lastNumber != null && z.lastNumber > last ? z.lastNumber - last : 0;
    let unsyncedEstimate = 0;
    if (t.lastContactAt && s?.first_day && s?.last_day && t.tickets > 0) {
      const spanDays = Math.max(1, (Date.parse(s.last_day) - Date.parse(s.first_day)) / 86_400_000 + 1);
      const idleDays = (now.getTime() - Date.parse(t.lastContactAt)) / 86_400_000;
      // Under an hour without contact is replication latency, not unsent work.
      if (idleDays > 1 / 24) unsyncedEstimate = Math.round((t.tickets / spanDays) * idleDays);
    }
    return { ...t, firstNumber: s?.first == null ? null : Number(s.first), missingFromClosures, unsyncedEstimate, lastClosureDay: z?.day ?? null };
  });
  const n = async (q: Promise<{ n: number | string | bigint } | undefined>) => Number((await q)?.n ?? 0);
  const since = new Date(now.getTime() - 86_400_000).toISOString();
  return {
    status,
    tills,
    pendingTickets: await n(db.selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n')).where('document_id', 'is', null).where('integration_batch', 'is', null).where('status', '=', 'received').executeTakeFirst()),
    errorTickets: await n(db.selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'error').executeTakeFirst()),
    documents: await n(db.selectFrom('documents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst()),
    unpostedDocuments: await n(db.selectFrom('documents').select((eb) => eb.fn.countAll<number>().as('n')).where('posting_batch', 'is', null).executeTakeFirst()),
    entries: await n(db.selectFrom('entries').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst()),
    openSettlements: await n(db.selectFrom('settlements').select((eb) => eb.fn.countAll<number>().as('n')).where('open_amount', 'not in', ['0', '0.00', '0.000', '0.0000', '-0.00']).executeTakeFirst()),
    recentErrors: await n(db.selectFrom('log_book').select((eb) => eb.fn.countAll<number>().as('n')).where('severity', '=', 'error').where('at', '>=', since).executeTakeFirst()),
    lastBatches: await db.selectFrom('batches').select(['id', 'kind', 'status', 'started_at', 'finished_at']).orderBy('id', 'desc').limit(8).execute(),
  };
}
