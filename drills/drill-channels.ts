/**
 * Drill: the same tickets through all four channels, in a seeded random order, against a running
 * `server start`: RxDB replication from a real till, a LAN inbox drop, an HTTP upload and a mail
 * to the server's SMTP listener. The till sells while the server is away (degraded), then three
 * different packages carry overlapping ranges of its tickets (so every ticket arrives two to four
 * times, and never as the same file twice). Expected: each ticket stored exactly once, no
 * conflict, every package accepted, and what each package brought new plus what replication
 * brought adds up to the tickets sold.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rng, shuffle } from '../fixtures/random.ts';
import { buildTicketPackage } from '../sync/package-writer.ts';
import { sha256Hex } from '../sync/signed-zip.ts';
import { HttpUploadTransport, LanFolderTransport, MailTransport, type PackageTransport } from '../sync/transports/transport-for.ts';
import type { Ticket } from '../sync/types.ts';
import { checkTickets, failedChecks } from './drill-checks.ts';
import { DrillFailure } from './drill-failure.ts';
import { freePort, initDrillServer, startDrillServer, withDrillDb } from './drill-server.ts';
import { initTill, saleInput, startTill, tillApi, tillArticles, tillTickets } from './drill-till.ts';
import { DRILL_STORE } from './drill-tickets.ts';

export type Channel = 'replication' | 'lan' | 'http' | 'mail';
export const CHANNELS: Channel[] = ['replication', 'lan', 'http', 'mail'];

export interface ChannelsDrillOptions {
  dir: string;
  seed: number;
  sales?: number;
  db?: string;
  log?: (line: string) => void;
  timeoutMs?: number;
}

export interface ChannelsDrillReport {
  drill: 'channels';
  seed: number;
  order: Channel[];
  tickets: number;
  /** Tickets stored per channel (the first to bring each ticket wins). */
  storedBy: Record<string, number>;
  packages: { channel: string; file: string; count: number; new: number; duplicates: number }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, timeoutMs: number, ready: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(150);
  }
}

export async function runChannelsDrill(opts: ChannelsDrillOptions): Promise<ChannelsDrillReport> {
  const r = rng(opts.seed);
  const log = opts.log ?? (() => {});
  const sales = opts.sales ?? 24;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const fail = (what: string) => new DrillFailure(`channels (seed ${opts.seed}): ${what}`, { drill: 'channels', seed: opts.seed });
  const server = await initDrillServer(join(opts.dir, 'channels-server'), { tills: 1, db: opts.db });
  const secret = server.secrets.get('01')!;
  const port = await freePort();
  const tillData = join(opts.dir, 'channels-till');

  // Sales while the server is away: degraded, waiting in the till for any channel.
  await initTill(tillData, { articles: 30, secret, server: `http://127.0.0.1:${port}`, signingKey: server.signers.get('01')!.key });
  let till = await startTill(tillData);
  let tickets: Ticket[];
  try {
    const articles = await tillArticles(till.url);
    for (let i = 0; i < sales; i++) {
      const res = await tillApi<Ticket>(till.url, 'POST', '/sell', saleInput(r, articles));
      if (res.status !== 201) throw fail(`sale ${i + 1} refused: ${JSON.stringify(res.body)}`);
      if (!res.body.degraded) throw fail(`sale ${i + 1} was not flagged degraded although the server is away`);
    }
    tickets = await tillTickets(till.url);
  } finally {
    await till.proc.stop();
  }

  // Three different packages, overlapping ranges: every ticket goes by at least two of them.
  const third = Math.ceil(sales / 3);
  const ranges: Record<'lan' | 'http' | 'mail', [number, number]> = { lan: [1, 2 * third], http: [third + 1, sales], mail: [1, sales] };
  const out = join(opts.dir, 'channels-packages');
  mkdirSync(out, { recursive: true });
  const files = new Map<string, string>();
  let second = 0;
  for (const [ch, [from, to]] of Object.entries(ranges)) {
    const pkg = buildTicketPackage({ store: DRILL_STORE, till: '01', kind: 'degraded', tickets: tickets.filter((t) => t.number >= from && t.number <= to), signer: server.signers.get('01')!, created: new Date(Date.UTC(2026, 10, 2, 21, 0, second++)) });
    const file = join(out, pkg.fileName);
    writeFileSync(file, pkg.bytes);
    files.set(ch, file);
  }

  const shas = new Set([...files.values()].map((f) => sha256Hex(readFileSync(f))));
  const order = shuffle(r, CHANNELS);
  log(`channels: ${sales} degraded sales delivered by ${order.join(' → ')}`);
  const srv = await startDrillServer(server, { port, smtp: true });
  try {
    const transports: Record<'lan' | 'http' | 'mail', PackageTransport> = {
      lan: new LanFolderTransport(server.inbox),
      http: new HttpUploadTransport({ url: srv.url, tillId: `${DRILL_STORE}-01`, secret }),
      mail: new MailTransport({ to: [srv.mailTo!], smtpUrl: `smtp://127.0.0.1:${srv.smtpPort}` }),
    };
    for (const ch of order) {
      if (ch === 'replication') {
        till = await startTill(tillData);
        try {
          await waitFor('the till to see every ticket acknowledged', timeoutMs, async () => {
            const s = await tillApi<{ counts: { acknowledged: number } }>(till.url, 'GET', '/status');
            return s.body.counts.acknowledged >= sales;
          });
        } finally {
          await till.proc.stop();
        }
      } else {
        await transports[ch].send(files.get(ch)!);
        await sleep(Math.floor(r() * 150));
      }
    }
    await waitFor('the server to record the three packages', timeoutMs, () =>
      withDrillDb(server, async (db) => (await db.selectFrom('packages').select('sha256').where('status', '=', 'accepted').execute()).filter((p) => shas.has(p.sha256)).length === 3),
    );
  } catch (e) {
    if (e instanceof DrillFailure) throw e;
    throw fail(`${(e as Error).message}\nserver output:\n${srv.proc.output().slice(-2000)}`);
  } finally {
    await srv.proc.stop();
  }

  const expected = new Map(tickets.map((t) => [t.id, t.hash]));
  return withDrillDb(server, async (db) => {
    const problems = failedChecks(await checkTickets(db, { tickets: expected, packages: shas })).map((c) => `${c.name}: ${c.detail}`);
    const rows = await db.selectFrom('packages').select(['sha256', 'file_name', 'channel', 'ticket_count', 'new_count', 'duplicate_count', 'conflict_count', 'error_count']).execute();
    const packages = rows.filter((p) => shas.has(p.sha256)).map((p) => ({ channel: p.channel, file: p.file_name, count: Number(p.ticket_count), new: Number(p.new_count), duplicates: Number(p.duplicate_count), conflicts: Number(p.conflict_count), errors: Number(p.error_count) }));
    for (const p of packages) {
      if (p.new + p.duplicates !== p.count || p.conflicts || p.errors) problems.push(`package ${p.file} by ${p.channel}: ${p.count} tickets = ${p.new} new + ${p.duplicates} duplicates, ${p.conflicts} conflicts, ${p.errors} errors`);
    }
    const channels = new Set(packages.map((p) => p.channel));
    for (const ch of ['lan', 'http', 'mail']) if (!channels.has(ch)) problems.push(`no package recorded as received by ${ch}`);
    const stored = await db.selectFrom('tickets').select(['channel']).execute();
    const storedBy: Record<string, number> = {};
    for (const t of stored) storedBy[t.channel] = (storedBy[t.channel] ?? 0) + 1;
    const byPackages = packages.reduce((a, p) => a + p.new, 0);
    const byReplication = stored.length - stored.filter((t) => ['lan', 'http', 'mail'].includes(t.channel)).length;
    if (byPackages + byReplication !== sales) problems.push(`packages brought ${byPackages} new tickets and replication ${byReplication}, ${sales} were sold`);
    if (problems.length) throw fail(`after ${order.join(' → ')}: ${problems.slice(0, 5).join('; ')}`);
    return { drill: 'channels' as const, seed: opts.seed, order, tickets: stored.length, storedBy, packages };
  });
}
