/**
 * `server status`: what an operator checks first — per till: last number received, last contact,
 * open gaps, counts; packages accepted / quarantined / rejected; files waiting in the inbox and in
 * quarantine; open ticket conflicts; each till's closures (NF525); the last log-book warnings and errors.
 */
import { sql } from 'kysely';
import { resolve } from 'node:path';
import { configPath, type ServerContext } from '../context.ts';
import { describeDb } from '../db/database.ts';
import { countPackages, inboxFolders } from './quarantine.ts';
import { formatGap, parseGaps, type Gap } from './gaps.ts';
import { allTillKeys } from '../security/till-keys-store.ts';
import { permissionWarnings, readRunState } from '../security/server-tls.ts';
import { keyFingerprint } from '../../sync/till-keys.ts';
import { closureStates, closureStateText, type TillClosureState } from '../fiscal/closure-state.ts';

export interface TillStatusRow {
  id: string;
  enrolledAt: string;
  lastContactAt: string | null;
  lastNumber: number | null;
  gaps: Gap[];
  missing: number;
  tickets: number;
  /** Stored with status error (broken chain), left out of integration. */
  errors: number;
  degraded: number;
  openConflicts: number;
  allowIps: string[] | null;
  /** Public signing keys registered (fingerprint, how, retired), oldest first. */
  keys: { keyId: string; fingerprint: string; registeredAt: string; via: string; retiredAt: string | null }[];
  /** Enrolled before package format 3: its HMAC-signed (version 1–2) packages are still accepted. */
  legacyHmac: boolean;
  /** NF525: last day, month and fiscal-year closures received, signing key, chain state. */
  closures: TillClosureState | null;
}

export interface ServerStatus {
  store: string;
  folders: { data: string; config: string; inbox: string; processed: string; quarantine: string };
  database: { kind: string; where: string };
  inbox: { path: string; waiting: number; quarantined: number; processed: number };
  tills: TillStatusRow[];
  packages: { accepted: number; quarantined: number; rejected: number };
  conflicts: { open: number; total: number };
  lastProblems: { at: string; severity: string; channel: string | null; file: string | null; till: string | null; ticket: string | null; message: string }[];
  /** How the last `server start` served (null: never started) and secrets files readable by others. */
  security: { lastStart: { url: string; tls: boolean; tlsFingerprint: string | null; insecureHttp: boolean; startedAt: string } | null; warnings: string[] };
}

export async function serverStatus(ctx: ServerContext, opts: { db?: string; problems?: number } = {}): Promise<ServerStatus> {
  const { db } = ctx;
  const tills = await db.selectFrom('tills').selectAll().orderBy('id').execute();
  const counts = await db
    .selectFrom('tickets')
    .select(['store', 'till'])
    .select((eb) => [
      eb.fn.countAll<number>().as('n'),
      eb.fn.sum<number>(sql`case when status = 'error' then 1 else 0 end`).as('errors'),
      eb.fn.sum<number>('degraded').as('degraded'),
    ])
    .groupBy(['store', 'till'])
    .execute();
  const byTill = new Map(counts.map((c) => [`${c.store}-${c.till}`, c]));
  const conflictRows = await db
    .selectFrom('ticket_conflicts')
    .select(['ticket_id', 'resolved'])
    .execute();
  const openByTill = new Map<string, number>();
  for (const c of conflictRows) {
    if (Number(c.resolved)) continue;
    const till = c.ticket_id.replace(/-\d+$/, '');
    openByTill.set(till, (openByTill.get(till) ?? 0) + 1);
  }
  const pk = await db.selectFrom('packages').select(['status']).select((eb) => eb.fn.countAll<number>().as('n')).groupBy('status').execute();
  const pkc = (s: string) => Number(pk.find((r) => r.status === s)?.n ?? 0);
  const lastProblems = await db
    .selectFrom('log_book')
    .select(['at', 'severity', 'channel', 'file', 'till', 'ticket', 'message'])
    .where('severity', 'in', ['warning', 'error'])
    .orderBy('id', 'desc')
    .limit(opts.problems ?? 10)
    .execute();
  const f = inboxFolders(ctx.config.inbox);
  const keys = await allTillKeys(db);
  const closures = await closureStates(db);
  return {
    store: ctx.config.store,
    // Resolved: server.json keeps paths inside the folder relative, so a copied folder uses its own.
    folders: { data: resolve(ctx.data), config: configPath(resolve(ctx.data)), inbox: f.inbox, processed: f.processed, quarantine: f.quarantine },
    database: describeDb({ data: ctx.data, url: opts.db ?? ctx.config.db }),
    inbox: { path: f.inbox, waiting: countPackages(f.inbox), quarantined: countPackages(f.quarantine), processed: countPackages(f.processed) },
    tills: tills.map((t) => {
      const c = byTill.get(t.id);
      const gaps = parseGaps(t.gaps);
      return {
        id: t.id,
        enrolledAt: t.enrolled_at,
        lastContactAt: t.last_contact_at,
        lastNumber: t.last_number == null ? null : Number(t.last_number),
        gaps,
        missing: gaps.reduce((a, g) => a + g[1] - g[0] + 1, 0),
        tickets: Number(c?.n ?? 0),
        errors: Number(c?.errors ?? 0),
        degraded: Number(c?.degraded ?? 0),
        openConflicts: openByTill.get(t.id) ?? 0,
        allowIps: t.allow_ips ? t.allow_ips.split(',') : null,
        keys: (keys.get(t.id) ?? []).map((k) => ({ keyId: k.keyId, fingerprint: keyFingerprint(k.publicKey), registeredAt: k.registeredAt, via: k.registeredVia, retiredAt: k.retiredAt })),
        legacyHmac: Number(t.legacy_hmac) === 1,
        closures: closures.get(t.id) ?? null,
      };
    }),
    packages: { accepted: pkc('accepted'), quarantined: pkc('quarantined'), rejected: pkc('rejected') },
    conflicts: { open: conflictRows.filter((c) => !Number(c.resolved)).length, total: conflictRows.length },
    lastProblems: lastProblems.reverse(),
    security: { lastStart: readRunState(ctx.data), warnings: permissionWarnings(ctx.data, ctx.config) },
  };
}

export function statusText(s: ServerStatus): string {
  const out: string[] = [];
  out.push(`store ${s.store} — database ${s.database.kind} ${s.database.where}`);
  out.push(`data folder ${s.folders.data} (config ${s.folders.config}); processed ${s.folders.processed}; quarantine ${s.folders.quarantine}`);
  out.push(`inbox ${s.inbox.path}: ${s.inbox.waiting} waiting, ${s.inbox.quarantined} in quarantine, ${s.inbox.processed} processed`);
  out.push(`packages: ${s.packages.accepted} accepted, ${s.packages.quarantined} quarantined, ${s.packages.rejected} rejected`);
  out.push(`ticket conflicts: ${s.conflicts.open} open (${s.conflicts.total} recorded)`);
  const ls = s.security.lastStart;
  out.push(ls ? `last start ${ls.startedAt}: ${ls.url} ${ls.tls ? `TLS, certificate ${ls.tlsFingerprint}` : ls.insecureHttp ? 'WARNING: plain HTTP across the network (--insecure-http)' : 'plain HTTP on loopback'}` : 'server never started');
  for (const w of s.security.warnings) out.push(w);
  if (s.tills.length === 0) out.push('no till enrolled (tillsync server enroll-till --store S1 --till 01)');
  for (const t of s.tills) {
    const gaps = t.gaps.length ? `GAPS ${t.gaps.map(formatGap).join(', ')} (${t.missing} missing)` : 'no gaps';
    out.push(
      `till ${t.id}: last number ${t.lastNumber ?? '—'}, last contact ${t.lastContactAt ?? 'never'}, ${t.tickets} tickets (${t.degraded} degraded${t.errors ? `, ${t.errors} IN ERROR` : ''}), ${gaps}${t.openConflicts ? `, ${t.openConflicts} open conflicts` : ''}`,
    );
    const current = t.keys.filter((k) => !k.retiredAt);
    out.push(`  signing key: ${current.length ? current.map((k) => `${k.fingerprint} (${k.via}, ${k.registeredAt})`).join(', ') : 'none registered yet (taken on first contact)'}${t.keys.length > current.length ? `; ${t.keys.length - current.length} retired` : ''}${t.legacyHmac ? '; LEGACY: HMAC packages (v1–2) still accepted until re-enrolled' : ''}`);
    out.push(`  ${closureStateText(t.closures ?? undefined)}`);
  }
  if (s.lastProblems.length) {
    out.push('last warnings and errors:');
    for (const p of s.lastProblems) out.push(`  ${p.at} ${p.severity.toUpperCase()} ${[p.channel, p.file, p.till, p.ticket].filter(Boolean).join(' ')}: ${p.message}`);
  }
  return out.join('\n');
}
