/**
 * A chain folder: CHAIN/stores/<ID>/, each an ordinary server data folder (its own server.json,
 * logs, inbox, exports). On PostgreSQL the stores share one database, one schema each, named in
 * their server.json `db` URL (`…?schema=store_042`, docs/chain.md).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TillsyncError } from '../../sync/errors.ts';

export interface ChainStoreRef {
  id: string;
  data: string;
}

/** Every store of the chain: the folders under CHAIN/stores/ holding a server.json, by id. */
export function listChainStores(chain: string): ChainStoreRef[] {
  const dir = join(chain, 'stores');
  if (!existsSync(dir)) throw new TillsyncError('usage', `${chain} is not a chain folder: ${dir} is missing`, { hint: 'create each store with tillsync server init --data CHAIN/stores/ID --store ID --db "postgres://…/chain?schema=store_id"' });
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'server.json')))
    .map((e) => ({ id: e.name, data: join(dir, e.name) }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** `all`, or ids separated by commas, each a store of the chain (an unknown id is refused before anything runs). */
export function selectStores(all: ChainStoreRef[], spec: string): ChainStoreRef[] {
  if (spec.trim() === 'all') return all;
  const ids = [...new Set(spec.split(',').map((s) => s.trim()).filter(Boolean))];
  if (!ids.length) throw new TillsyncError('usage', '--stores is empty', { hint: 'give --stores all, or store ids separated by commas (e.g. --stores S001,S002)' });
  const unknown = ids.filter((id) => !all.some((s) => s.id === id));
  if (unknown.length) throw new TillsyncError('usage', `--stores: ${unknown.join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not in the chain (${all.length} store(s) under stores/)`, { hint: 'list the chain folder stores/ for the ids, or use --stores all' });
  return ids.map((id) => all.find((s) => s.id === id)!);
}
