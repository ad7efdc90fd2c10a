/**
 * `till archive`: the till's fiscal archive (sync/archive-format.ts) — its tickets, closures and
 * journal of a period (or of its whole life), with its public key, signed with its key — written
 * atomically to DATA/archives/ (or --out). The fiscal-year closure calls it for its year
 * (`S1-01_2026.zip`, made once). Making an archive is itself a journal event, recorded after the
 * archive is written (so the archive never claims an event it does not hold).
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildArchive, type ArchiveManifest } from '../sync/archive-format.ts';
import { TillsyncError } from '../sync/errors.ts';
import { writeDurably } from '../sync/atomic-file.ts';
import { softwareText } from '../sync/software.ts';
import { keyFingerprint, keyIdOf } from '../sync/till-keys.ts';
import type { Ticket } from '../sync/types.ts';
import { closurePeriod } from './closure.ts';
import { scanDocs } from './store/open-store.ts';
import type { TillService } from './till-service.ts';
import { tillPublicKeys } from './till-public-keys.ts';

export interface TillArchiveOptions {
  /** `all` (default), `YYYY` or `YYYY-MM`: tickets by their business day, closures by their period, events by their date. */
  period?: string;
  out?: string;
  /** The fiscal-year archive: fixed name, not rewritten when it exists. */
  ifMissing?: boolean;
}

export interface TillArchiveResult {
  path: string;
  bytes: number;
  manifest: ArchiveManifest | null;
  written: boolean;
}

export async function writeTillArchive(svc: TillService, opts: TillArchiveOptions = {}): Promise<TillArchiveResult> {
  const id = svc.identity;
  const period = opts.period ?? 'all';
  if (!/^(all|\d{4}|\d{4}-(0[1-9]|1[0-2]))$/.test(period)) throw new TillsyncError('usage', `--period must be all, YYYY or YYYY-MM, not "${period}"`);
  const dir = resolve(opts.out ?? join(svc.dataDir, 'archives'));
  mkdirSync(dir, { recursive: true });
  const created = new Date();
  const stamp = created.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const name = opts.ifMissing ? `${id.store}-${id.till}_${period}.zip` : `${id.store}-${id.till}_${period}_${stamp}.zip`;
  const path = join(dir, name);
  if (opts.ifMissing && existsSync(path)) return { path, bytes: 0, manifest: null, written: false };

  const inPeriod = (text: string) => period === 'all' || text.startsWith(period);
  const tickets = (await scanDocs<Ticket>(svc.store.db.tickets)).filter((t) => inPeriod(t.day));
  const closures = (await svc.store.closures()).filter((c) => inPeriod(closurePeriod(c)));
  const journal = (await svc.store.journal()).filter((e) => inPeriod(e.at));
  const key = svc.journal.key;
  const owner = `till ${id.store}-${id.till}`;
  // Retired keys (after till rotate-key) still verify what they signed: the archive carries them all.
  const keys = tillPublicKeys(svc.dataDir).map((pem) => ({ keyId: keyIdOf(pem), fingerprint: keyFingerprint(pem), publicKeyPem: pem, owner }));
  const { bytes, manifest } = buildArchive(
    { origin: `${id.store}-${id.till}`, store: id.store, till: id.till, period, created, software: softwareText(), tickets, closures, journal, keys },
    key,
  );
  await writeDurably(`${path}.part`, bytes);
  renameSync(`${path}.part`, path);
  await svc.journal.record('archive', { file: name, period, tickets: tickets.length, closures: closures.length, events: journal.length });
  return { path, bytes: bytes.length, manifest, written: true };
}
