/**
 * Drill: damaged and hostile files mixed with good ones in the LAN inbox of a running server.
 * Every good package is taken (moved to processed/, its tickets stored once); every bad one is
 * moved to quarantine/ with a `.reason.txt` giving the refusal reason, recorded as quarantined,
 * and stops nothing; the zip-slip entry is never written anywhere.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { rng, shuffle } from '../fixtures/random.ts';
import { generateTillTickets } from '../fixtures/volume.ts';
import { buildTicketPackage } from '../sync/package-writer.ts';
import { sha256Hex } from '../sync/signed-zip.ts';
import { checkTickets, failedChecks } from './drill-checks.ts';
import { CORRUPTIONS, EXPECTED_REASON, corruptPackage, type Corruption } from './drill-corrupt-files.ts';
import { DrillFailure } from './drill-failure.ts';
import { initDrillServer, startDrillServer, withDrillDb } from './drill-server.ts';
import { DRILL_STORE } from './drill-tickets.ts';

export interface CorruptDrillOptions {
  dir: string;
  seed: number;
  tills?: number;
  ticketsPerTill?: number;
  /** Good packages per till. */
  packagesPerTill?: number;
  db?: string;
  log?: (line: string) => void;
  /** How long to wait for the inbox to empty. */
  timeoutMs?: number;
}

export interface CorruptDrillReport {
  drill: 'corrupt-files';
  seed: number;
  good: number;
  bad: { file: string; kind: Corruption; reason: string }[];
  tickets: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Drops a file the way a till's LAN transport does: `.part`, then rename. */
function drop(inbox: string, name: string, bytes: Buffer): void {
  writeFileSync(join(inbox, `${name}.part`), bytes);
  renameSync(join(inbox, `${name}.part`), join(inbox, name));
}

export async function runCorruptDrill(opts: CorruptDrillOptions): Promise<CorruptDrillReport> {
  const r = rng(opts.seed);
  const log = opts.log ?? (() => {});
  const tills = opts.tills ?? 2;
  const perTill = opts.ticketsPerTill ?? 20;
  const perPackage = Math.ceil(perTill / (opts.packagesPerTill ?? 2));
  const fail = (what: string) => new DrillFailure(`corrupt-files (seed ${opts.seed}): ${what}`, { drill: 'corrupt-files', seed: opts.seed });
  const server = await initDrillServer(join(opts.dir, 'corrupt-server'), { tills, db: opts.db });

  const expected = new Map<string, string>();
  const goodShas = new Set<string>();
  const files: { name: string; bytes: Buffer; bad?: Corruption }[] = [];
  const created = (till: string, k: number) => new Date(Date.UTC(2026, 10, 2, 20, Number(till), k));
  let k = 0;
  const goods: { till: string; bytes: Buffer }[] = [];
  for (const [till, signer] of server.signers) {
    const tickets = [...generateTillTickets(till, { store: DRILL_STORE, tills, ticketsPerTill: perTill, seed: opts.seed })];
    for (const t of tickets) expected.set(t.id, t.hash);
    for (let i = 0; i < tickets.length; i += perPackage) {
      const pkg = buildTicketPackage({ store: DRILL_STORE, till, kind: 'degraded', tickets: tickets.slice(i, i + perPackage), signer, created: created(till, k++) });
      files.push({ name: pkg.fileName, bytes: pkg.bytes });
      goods.push({ till, bytes: pkg.bytes });
      goodShas.add(sha256Hex(pkg.bytes));
    }
  }
  for (const kind of CORRUPTIONS) {
    const source = goods[Math.floor(r() * goods.length)];
    const name = buildTicketPackage({ store: DRILL_STORE, till: source.till, kind: 'degraded', tickets: [], secret: 'x', created: created(source.till, k++) }).fileName;
    files.push({ name, bytes: corruptPackage(source.bytes, kind, r), bad: kind });
  }
  const order = shuffle(r, files);
  log(`corrupt-files: ${goods.length} good and ${CORRUPTIONS.length} bad packages into the inbox in order ${order.map((f) => f.bad ?? 'good').join(', ')}`);

  // Some files are waiting when the server starts, the rest arrive while it runs.
  const early = Math.floor(r() * order.length);
  mkdirSync(server.inbox, { recursive: true });
  for (const f of order.slice(0, early)) drop(server.inbox, f.name, f.bytes);
  const running = await startDrillServer(server);
  try {
    for (const f of order.slice(early)) {
      drop(server.inbox, f.name, f.bytes);
      await sleep(Math.floor(r() * 80));
    }
    const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
    const waiting = () => readdirSync(server.inbox, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
    while (waiting().length) {
      if (Date.now() > deadline) throw fail(`the inbox still holds ${waiting().join(', ')} after ${opts.timeoutMs ?? 60_000} ms`);
      await sleep(100);
    }
  } finally {
    await running.proc.stop();
  }

  const processed = new Set(readdirSync(join(server.inbox, 'processed')));
  const quarantine = new Set(readdirSync(join(server.inbox, 'quarantine')));
  const bad: CorruptDrillReport['bad'] = [];
  for (const f of files) {
    if (!f.bad) {
      if (!processed.has(f.name)) throw fail(`good package ${f.name} is not in processed/ (quarantine: ${quarantine.has(f.name) ? readFileSync(join(server.inbox, 'quarantine', `${f.name}.reason.txt`), 'utf8').split('\n')[1] : 'no'})`);
      continue;
    }
    if (!quarantine.has(f.name)) throw fail(`${f.bad} package ${f.name} is not in quarantine/${processed.has(f.name) ? ' (it was processed as good!)' : ''}`);
    const reasonFile = join(server.inbox, 'quarantine', `${f.name}.reason.txt`);
    if (!existsSync(reasonFile)) throw fail(`${f.bad} package ${f.name} has no ${f.name}.reason.txt in quarantine/`);
    const reason = /^reason: (.*)$/m.exec(readFileSync(reasonFile, 'utf8'))?.[1] ?? '';
    if (!EXPECTED_REASON[f.bad].test(reason)) throw fail(`${f.bad} package ${f.name} quarantined for "${reason}", expected ${EXPECTED_REASON[f.bad]}`);
    bad.push({ file: f.name, kind: f.bad, reason });
  }
  for (const d of [server.inbox, dirname(server.inbox), resolve(server.inbox, '../..'), join(server.inbox, 'quarantine'), resolve(server.inbox, 'quarantine', '../..')]) {
    if (existsSync(join(d, 'drill-zip-slip-escaped.txt'))) throw fail(`the zip-slip entry was written to ${d}`);
  }

  const problems = await withDrillDb(server, async (db) => {
    const found = failedChecks(await checkTickets(db, { tickets: expected, packages: goodShas })).map((c) => `${c.name}: ${c.detail}`);
    const rows = await db.selectFrom('packages').select(['sha256', 'file_name', 'status', 'reason']).execute();
    for (const f of files.filter((x) => x.bad)) {
      const row = rows.find((p) => p.sha256 === sha256Hex(f.bytes));
      if (!row) found.push(`${f.bad} package ${f.name} not recorded in packages`);
      else if (row.status !== 'quarantined' || !row.reason) found.push(`${f.bad} package ${f.name} recorded as ${row.status} (${row.reason})`);
    }
    const logged = await db.selectFrom('log_book').select(['file', 'message']).where('severity', '=', 'error').execute();
    for (const f of files.filter((x) => x.bad)) if (!logged.some((l) => l.file === f.name || l.message.includes(f.name))) found.push(`no log-book error names ${f.name}`);
    return found;
  });
  if (problems.length) throw fail(problems.slice(0, 5).join('; '));
  return { drill: 'corrupt-files', seed: opts.seed, good: goods.length, bad, tickets: expected.size };
}
