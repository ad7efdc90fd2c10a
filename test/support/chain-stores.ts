/**
 * For tests and benches: a chain folder (CHAIN/stores/<ID>/, each a server data folder) whose
 * stores share one PostgreSQL database, one schema each (docs/chain.md), with tickets taken through
 * the real intake pipeline.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig, writeServerConfig } from '../../server/context.ts';
import { openDatabase, type Db } from '../../server/db/database.ts';
import { saveBaseData } from '../../server/base-data.ts';
import { intakeTickets } from '../../server/intake/intake.ts';
import { enrollTill } from '../../server/intake/till-registry.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import type { BaseData, Ticket } from '../../sync/types.ts';

/** The URL of one store of a chain database: its schema is store_<id>. */
export function storeDbUrl(chainUrl: string, id: string): string {
  const u = new URL(chainUrl);
  u.searchParams.set('schema', `store_${id.toLowerCase()}`);
  return u.toString();
}

export interface ChainStore {
  id: string;
  data: string;
  url: string;
  db: Db;
}

/** One store of the chain: its folder, server.json naming its schema, base data. */
export async function createChainStore(chain: string, chainUrl: string, id: string, base: BaseData = demoBaseData()): Promise<ChainStore> {
  const data = join(chain, 'stores', id);
  mkdirSync(data, { recursive: true });
  const url = storeDbUrl(chainUrl, id);
  writeServerConfig(data, { ...defaultConfig(data, id), db: url });
  const db = await openDatabase({ data, url });
  await saveBaseData(db, base);
  return { id, data, url, db };
}

/** Tickets through intake (tills enrolled on the way), in chunks; throws if intake refuses or flags any. */
export async function intakeAll(store: Pick<ChainStore, 'db' | 'data'>, tickets: Iterable<Ticket>, chunkSize = 5000): Promise<number> {
  const enrolled = new Set((await store.db.selectFrom('tills').select('id').execute()).map((r) => r.id));
  let n = 0;
  let chunk: Ticket[] = [];
  const flush = async () => {
    for (const x of chunk) {
      const id = `${x.store}-${x.till}`;
      if (!enrolled.has(id)) {
        await enrollTill(store.db, { data: store.data, store: x.store, till: x.till });
        enrolled.add(id);
      }
    }
    const r = await intakeTickets({ db: store.db, data: store.data }, { channel: 'manual', tickets: chunk });
    if (r.rejected.length || r.flagged.length || r.accepted.length !== chunk.length) throw new Error(`intake did not take the tickets: ${JSON.stringify({ rejected: r.rejected.slice(0, 3), flagged: r.flagged.slice(0, 3) })}`);
    n += r.accepted.length;
    chunk = [];
  };
  for (const x of tickets) {
    chunk.push(x);
    if (chunk.length >= chunkSize) await flush();
  }
  if (chunk.length) await flush();
  return n;
}
