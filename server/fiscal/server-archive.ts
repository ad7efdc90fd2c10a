/**
 * `server archive --period month|year`: the store's fiscal archive of a month or a fiscal year
 * (sync/archive-format.ts): every till's tickets of the period (by business day), the closures of
 * the period, the tills' journals and the server's own for the period, every public key involved,
 * signed with the server key. Written atomically to DATA/archives/ (or --out); recorded in the
 * server's journal. `tillsync audit verify` checks it without any secret.
 */
import { mkdirSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ServerContext } from '../context.ts';
import { buildArchive, type ArchiveKey, type ArchiveManifest } from '../../sync/archive-format.ts';
import { writeDurably } from '../../sync/atomic-file.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { softwareText } from '../../sync/software.ts';
import { keyFingerprint } from '../../sync/till-keys.ts';
import type { Closure, Ticket } from '../../sync/types.ts';
import { journalEvents, recordServerEvent } from './journal-store.ts';
import { loadOrCreateServerKey } from './server-key.ts';
import { allKeysOfTill } from './till-public-keys.ts';

export interface ServerArchiveResult {
  path: string;
  bytes: number;
  manifest: ArchiveManifest;
}

/** `month` + YYYY-MM, or `year` + YYYY; the default is the last month (or year) that is over. */
export function archivePeriod(kind: string, asked: string | undefined, now = new Date()): string {
  if (kind !== 'month' && kind !== 'year') throw new TillsyncError('usage', `--period must be month or year, not "${kind}"`);
  if (asked !== undefined) {
    if (!(kind === 'month' ? /^\d{4}-(0[1-9]|1[0-2])$/ : /^\d{4}$/).test(asked)) throw new TillsyncError('usage', `${kind === 'month' ? '--month must be YYYY-MM' : '--year must be YYYY'}, not "${asked}"`);
    return asked;
  }
  if (kind === 'year') return String(now.getUTCFullYear() - 1);
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return d.toISOString().slice(0, 7);
}

function nextPeriod(p: string): string {
  if (p.length === 4) return String(Number(p) + 1);
  const [y, m] = p.split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

export async function writeServerArchive(ctx: ServerContext, period: string, out?: string): Promise<ServerArchiveResult> {
  const end = nextPeriod(period);
  const startDay = period.length === 4 ? `${period}-01-01` : `${period}-01`;
  const endDay = end.length === 4 ? `${end}-01-01` : `${end}-01`;
  const ticketRows = await ctx.db.selectFrom('tickets').select('content').where('day', '>=', startDay).where('day', '<', endDay).execute();
  const tickets = ticketRows.map((r) => JSON.parse(r.content) as Ticket);
  const closures = (await ctx.db.selectFrom('closures').select('content').execute())
    .map((r) => JSON.parse(r.content) as Closure)
    .filter((c) => (c.period ?? c.day).startsWith(period))
    .sort((a, b) => `${a.store}-${a.till}`.localeCompare(`${b.store}-${b.till}`) || a.seq - b.seq);
  const journal = (await journalEvents(ctx, { from: startDay, to: endDay })).reverse();
  const key = loadOrCreateServerKey(ctx.data);
  const keys: ArchiveKey[] = [{ keyId: key.keyId, fingerprint: keyFingerprint(key.publicKeyPem), publicKeyPem: key.publicKeyPem, owner: 'server' }];
  const tills = new Set([...tickets.map((t) => `${t.store}-${t.till}`), ...closures.map((c) => `${c.store}-${c.till}`), ...journal.filter((e) => e.origin !== 'server').map((e) => e.origin)]);
  for (const till of [...tills].sort()) {
    for (const k of await allKeysOfTill(ctx.db, till)) if (!keys.some((x) => x.keyId === k.keyId)) keys.push({ keyId: k.keyId, fingerprint: keyFingerprint(k.publicKey), publicKeyPem: k.publicKey, owner: `till ${till}${k.registered ? '' : ' (sent by the till, not registered)'}` });
  }
  const created = new Date();
  const { bytes, manifest } = buildArchive({ origin: 'server', store: ctx.config.store, till: null, period, created, software: softwareText(), tickets, closures, journal, keys }, key);
  const dir = resolve(out ?? join(ctx.data, 'archives'));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${ctx.config.store}_${period}_${created.toISOString().replace(/[-:T]/g, '').slice(0, 14)}.zip`);
  await writeDurably(`${path}.part`, bytes);
  renameSync(`${path}.part`, path);
  await recordServerEvent(ctx, 'archive', { file: path, period, tickets: tickets.length, closures: closures.length, events: journal.length });
  return { path, bytes: bytes.length, manifest };
}
