/** Read-only log book and package queries for the back office (filters as the operator types them). */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export interface LogFilter {
  severity?: string;
  till?: string;
  channel?: string;
  text?: string;
  limit?: number;
}

export async function searchLogBook(db: Kysely<Database>, f: LogFilter) {
  let q = db.selectFrom('log_book').selectAll();
  if (f.severity) q = q.where('severity', '=', f.severity);
  if (f.till) q = q.where('till', 'like', `%${f.till}%`);
  if (f.channel) q = q.where('channel', '=', f.channel);
  if (f.text) {
    const like = `%${f.text.toLowerCase()}%`;
    q = q.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['message']), 'like', like),
        eb(eb.fn('lower', ['file']), 'like', like),
        eb(eb.fn('lower', ['ticket']), 'like', like),
      ]),
    );
  }
  return q.orderBy('id', 'desc').limit(f.limit ?? 200).execute();
}

export async function logBookChoices(db: Kysely<Database>): Promise<{ channels: string[]; tills: string[] }> {
  const channels = await db.selectFrom('log_book').select('channel').distinct().where('channel', 'is not', null).orderBy('channel').execute();
  const tills = await db.selectFrom('log_book').select('till').distinct().where('till', 'is not', null).orderBy('till').execute();
  return { channels: channels.map((c) => c.channel as string), tills: tills.map((t) => t.till as string) };
}

export async function listPackages(db: Kysely<Database>, status?: string, limit = 100) {
  let q = db.selectFrom('packages').selectAll();
  if (status) q = q.where('status', '=', status);
  return q.orderBy('id', 'desc').limit(limit).execute();
}
