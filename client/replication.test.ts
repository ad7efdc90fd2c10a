/**
 * The till's replication against `protocolTestServer`: a minimal in-memory server written here to
 * sync/replication-protocol.ts, standing in for the store server (server/replication + server/app.ts
 * have their own tests, and the real till-to-server end-to-end test lives with them). Everything
 * else is real: `till start` in this process on a disk store, HTTP on loopback, server restarts.
 */
import express from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { API, type BaseItem, type TicketAck } from '../sync/replication-protocol.ts';
import { macMatches, parseSignedHeaders } from '../sync/request-auth.ts';
import { GENESIS_HASH, canonicalJson, hashTicket, verifyChain } from '../sync/ticket-chain.ts';
import type { Closure, Ticket } from '../sync/types.ts';
import { D, fmt } from '../sync/money.ts';
import { openTestTill } from '../test/support/test-till.ts';
import { startTill, type RunningTill } from './start.ts';

const SECRET = 'replication-secret';

interface ProtocolTestServer {
  url: string;
  port: number;
  tickets: Map<string, Ticket & { updatedAt: string; documentNumber: string | null }>;
  base: BaseItem[];
  closures: Closure[];
  pushes: number;
  /** The requests this server answered, in order ('health', 'tickets', 'acks', …), and what the test noted between them. */
  events: string[];
  /** Ticket ids this server refuses (as if their hash were wrong). */
  reject: Set<string>;
  stop(): Promise<void>;
  restart(): Promise<void>;
  writeBack(id: string, documentNumber: string): void;
  publish(kind: BaseItem['kind'], code: string, content: unknown, deleted?: boolean): void;
}

let clock = Date.parse('2026-11-24T08:00:00.000Z');
const stamp = () => new Date(clock++).toISOString();

async function protocolTestServer(port = 0): Promise<ProtocolTestServer> {
  const state: ProtocolTestServer = {
    url: '',
    port: 0,
    tickets: new Map(),
    base: [],
    closures: [],
    pushes: 0,
    events: [],
    reject: new Set(),
    stop: async () => {},
    restart: async () => {},
    writeBack(id, documentNumber) {
      const t = state.tickets.get(id)!;
      t.documentNumber = documentNumber;
      t.updatedAt = stamp();
    },
    publish(kind, code, content, deleted = false) {
      const id = `${kind}:${code}`;
      state.base = state.base.filter((b) => b.id !== id);
      state.base.push({ id, kind, code, content: canonicalJson(content), deleted, updatedAt: stamp() });
    },
  };
  const app = express();
  app.use((req, _res, next) => {
    const name = { [API.health]: 'health', [API.ticketsPush]: 'tickets', [API.acksPull]: 'acks', [API.basePull]: 'base', [API.closuresPush]: 'closures' }[req.path];
    if (name) state.events.push(name);
    next();
  });
  app.get(API.health, (_req, res) => {
    res.json({ ok: true, store: 'S1', time: new Date().toISOString() });
  });
  // The till signs every request with its auth secret (sync/request-auth.ts): checked from the headers.
  app.use((req, res, next) => {
    const signed = parseSignedHeaders((h) => req.get(h), req.method, req.originalUrl);
    if ('problem' in signed || signed.parts.till !== 'S1-01' || !macMatches(SECRET, signed.parts, signed.mac)) res.status(401).json({ error: { message: 'unknown till' } });
    else next();
  });
  app.use(express.json({ limit: '20mb' }));
  // First contact: the till registers its public key (trust on first use); this stand-in takes it.
  app.post(API.keys, (_req, res) => {
    res.json({ ok: true });
  });
  app.post(API.ticketsPush, (req, res) => {
    state.pushes++;
    const out = { accepted: [] as string[], duplicates: [] as string[], conflicts: [] as string[], rejected: [] as { id: string; reason: string }[] };
    for (const t of req.body.tickets as Ticket[]) {
      const known = state.tickets.get(t.id);
      if (state.reject.has(t.id) || hashTicket(t) !== t.hash) out.rejected.push({ id: t.id, reason: 'hash does not match content' });
      else if (known) (known.hash === t.hash ? out.duplicates : out.conflicts).push(t.id);
      else {
        state.tickets.set(t.id, { ...t, updatedAt: stamp(), documentNumber: null });
        out.accepted.push(t.id);
      }
    }
    res.json(out);
  });
  const page = <T extends { id: string; updatedAt: string }>(rows: T[], q: any) => {
    const limit = Number(q.limit) || 100;
    const after = q.updatedAt ? (r: T) => r.updatedAt > q.updatedAt || (r.updatedAt === q.updatedAt && r.id > q.id) : () => true;
    const docs = rows.filter(after).sort((a, b) => (a.updatedAt === b.updatedAt ? (a.id < b.id ? -1 : 1) : a.updatedAt < b.updatedAt ? -1 : 1)).slice(0, limit);
    const last = docs[docs.length - 1];
    return { documents: docs, checkpoint: last ? { updatedAt: last.updatedAt, id: last.id } : q.updatedAt ? { updatedAt: q.updatedAt, id: q.id } : null };
  };
  app.get(API.acksPull, (req, res) => {
    const acks: TicketAck[] = [...state.tickets.values()].map((t) => ({ id: t.id, acknowledgedAt: '2026-11-24T12:00:00.000Z', documentNumber: t.documentNumber, updatedAt: t.updatedAt }));
    res.json(page(acks, req.query));
  });
  app.get(API.basePull, (req, res) => {
    res.json(page(state.base, req.query));
  });
  app.post(API.closuresPush, (req, res) => {
    for (const c of req.body.closures as Closure[]) if (!state.closures.some((x) => x.id === c.id)) state.closures.push(c);
    res.json({ accepted: (req.body.closures as Closure[]).map((c) => c.id) });
  });
  let server: Server | null = null;
  const listen = () =>
    new Promise<void>((r) => {
      server = app.listen(state.port || port, '127.0.0.1', () => r());
    });
  await listen();
  state.port = (server!.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${state.port}`;
  state.stop = async () => {
    if (!server) return;
    const s: Server = server;
    server = null;
    const closed = new Promise<void>((r) => s.close(() => r()));
    s.closeAllConnections();
    await closed;
  };
  state.restart = listen;
  return state;
}

async function until<T>(what: string, fn: () => Promise<T | false | null | undefined> | T | false | null | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    last = await fn();
    if (last) return last as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(opts: { serverUp?: boolean; retryMs?: number; maxRetryMs?: number } = {}) {
  const server = await protocolTestServer();
  cleanups.push(() => server.stop());
  if (opts.serverUp === false) await server.stop();
  const dir = mkdtempSync(join(tmpdir(), 'tillsync-repl-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const init = await openTestTill({ disk: true, dir, server: server.url, secret: SECRET });
  await init.close({ keep: true });
  const till: RunningTill = await startTill({ data: dir, port: 0, healthIntervalMs: 100, pullIntervalMs: 150, retryMs: opts.retryMs ?? 100, maxRetryMs: opts.maxRetryMs });
  const auth = { 'x-till-token': till.tokens.operator };
  cleanups.push(() => till.stop());
  const price = till.service.store.base.article('A000004')!.price;
  const sell = async (qty = 1) => {
    const res = await fetch(`${till.url}/api/till/sell`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ lines: [{ article: 'A000004', qty }], payments: [{ mode: 'CB', amount: fmt(new D(price).times(qty)) }] }) });
    expect(res.status).toBe(201);
    return (await res.json()) as Ticket;
  };
  const status = async () => (await (await fetch(`${till.url}/api/till/status`, { headers: auth })).json()) as any;
  return { server, till, sell, status, dir, auth };
}

describe('till replication (protocolTestServer)', () => {
  it('pushes tickets sold online, pulls their acks, and counts them transferred', async () => {
    const { server, till, sell, status, auth } = await setup();
    expect((await until('online', async () => (await status()).serverOnline === true))).toBe(true);
    const sold = [await sell(1), await sell(2), await sell(3)];
    expect(sold.map((t) => t.degraded)).toEqual([false, false, false]);
    const st = await until('3 acknowledged', async () => {
      const s = await status();
      return s.counts.acknowledged === 3 && s;
    });
    expect(st.counts).toEqual({ total: 3, degraded: 0, untransferred: 0, packaged: 0, acknowledged: 3, documents: 0 });
    expect(st.lastServerContact).not.toBeNull();
    const onServer = [...server.tickets.values()].sort((a, b) => a.number - b.number).map(({ updatedAt, documentNumber, ...t }) => t as Ticket);
    expect(onServer.map((t) => t.id)).toEqual(sold.map((t) => t.id));
    expect(verifyChain(onServer, null)).toEqual([]);
    expect(onServer[0].prevHash).toBe(GENESIS_HASH);

    server.writeBack(sold[1].id, 'F00000042');
    await until('document number written back', async () => (await status()).counts.documents === 1);
    const { tickets } = (await (await fetch(`${till.url}/api/till/tickets?limit=10`, { headers: auth })).json()) as { tickets: any[] };
    expect(tickets.map((t) => [t.number, t.documentNumber, t.acknowledgedAt !== null])).toEqual([
      [3, null, true],
      [2, 'F00000042', true],
      [1, null, true],
    ]);
  });

  it('sells degraded while the server is away, and sends everything up on its own once it is back', async () => {
    const { server, sell, status } = await setup();
    await until('online', async () => (await status()).serverOnline === true);
    const online = await sell();
    await until('first ack', async () => (await status()).counts.acknowledged === 1);
    await server.stop();
    await until('server seen away', async () => (await status()).serverOnline === false);
    const away = [await sell(), await sell(), await sell()];
    expect(online.degraded).toBe(false);
    expect(away.map((t) => t.degraded)).toEqual([true, true, true]);
    const st = await status();
    expect(st.counts).toMatchObject({ total: 4, degraded: 3, untransferred: 3, acknowledged: 1 });
    expect(st.replication.tickets.ok === false || st.replication.acks.ok === false).toBe(true);

    await server.restart();
    const back = await until('all acknowledged after the server came back', async () => {
      const s = await status();
      return s.counts.untransferred === 0 && s;
    });
    expect(back.counts).toEqual({ total: 4, degraded: 3, untransferred: 0, packaged: 0, acknowledged: 4, documents: 0 });
    expect([...server.tickets.keys()].sort()).toEqual(['S1-01-00000001', 'S1-01-00000002', 'S1-01-00000003', 'S1-01-00000004']);
    expect(server.tickets.get('S1-01-00000003')!.degraded).toBe(true);
    // Online again: the next sale is not degraded.
    await until('online again', async () => (await status()).serverOnline === true);
    expect((await sell()).degraded).toBe(false);
  });

  it('sends the tickets as soon as its health probe sees the server again, not after the backoff', async () => {
    // A ten-minute backoff: only the wake on the health probe's answer can bring the tickets up in this test.
    const { server, sell, status } = await setup({ retryMs: 600_000, maxRetryMs: 600_000 });
    await until('online', async () => (await status()).serverOnline === true);
    await sell();
    await until('first ack', async () => (await status()).counts.acknowledged === 1);
    await server.stop();
    await until('server seen away', async () => (await status()).serverOnline === false);
    const away = await sell();
    expect(away.degraded).toBe(true);
    await until('the push failed (now in its backoff)', async () => (await status()).replication.tickets.ok === false);

    server.events.push('restarted');
    await server.restart();
    const back = await until('acknowledged after the server came back', async () => {
      const s = await status();
      return s.counts.untransferred === 0 && s;
    });
    expect(back.counts).toMatchObject({ total: 2, degraded: 1, untransferred: 0, acknowledged: 2 });
    // After the restart the health probe reached the server before the push (a pull on its own
    // schedule may come first), then the acks pull followed the push.
    const after = server.events.slice(server.events.lastIndexOf('restarted') + 1);
    expect(after.indexOf('health')).toBeGreaterThanOrEqual(0);
    expect(after.indexOf('tickets')).toBeGreaterThan(after.indexOf('health'));
    expect(after.lastIndexOf('acks')).toBeGreaterThan(after.indexOf('tickets'));
    expect(server.tickets.get(away.id)!.degraded).toBe(true);
  });

  it('pulls base data into the till: changed price, new article, removed article', async () => {
    const { server, till, status, auth } = await setup();
    await until('online', async () => (await status()).serverOnline === true);
    server.publish('article', 'A000004', { code: 'A000004', barcode: '3760000000048', label: 'Tournevis promo', price: '19.99', vatCode: 'VN' });
    server.publish('article', 'NEW001', { code: 'NEW001', barcode: '3760009999990', label: 'Nouveauté', price: '5.00', vatCode: 'VR' });
    server.publish('article', 'A000005', { code: 'A000005' }, true);
    server.publish('customer', 'C0000099', { code: 'C0000099', name: 'Nouveau client', account: '411000', thirdParty: 'C0000099' });
    const search = async (q: string) => ((await (await fetch(`${till.url}/api/till/articles?q=${q}`, { headers: auth })).json()) as any).articles;
    const hit = await until('new article visible', async () => {
      const a = await search('3760009999990');
      return a.length === 1 && a[0];
    });
    expect(hit).toEqual({ code: 'NEW001', barcode: '3760009999990', label: 'Nouveauté', price: '5.00', vatCode: 'VR' });
    await until('price change visible', async () => (await search('A000004'))[0]?.price === '19.99');
    await until('removed article gone', async () => (await search('A000005')).length === 0);
    const customers = ((await (await fetch(`${till.url}/api/till/customers?q=C0000099`, { headers: auth })).json()) as any).customers;
    expect(customers.map((c: any) => c.name)).toEqual(['Nouveau client']);
    // The sale uses the pulled price: 19.99, not the demo price.
    const res = await fetch(`${till.url}/api/till/sell`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ lines: [{ article: 'A000004', qty: 1 }], payments: [{ mode: 'CB', amount: '19.99' }] }) });
    expect(res.status).toBe(201);
  });

  it('pushes closures, and reports tickets the server rejects (they stay untransferred)', async () => {
    const { server, till, sell, status, auth } = await setup();
    await until('online', async () => (await status()).serverOnline === true);
    server.reject.add('S1-01-00000002');
    await sell();
    await sell();
    await sell();
    const st = await until('rejection reported', async () => {
      const s = await status();
      return s.replication.tickets.rejected.length === 1 && s.counts.acknowledged === 2 && s;
    });
    expect(st.replication.tickets.rejected).toEqual([{ id: 'S1-01-00000002', reason: 'hash does not match content' }]);
    expect(st.counts.untransferred).toBe(1);
    const z = await (await fetch(`${till.url}/api/till/close`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' })).json();
    expect(z.ticketCount).toBe(3);
    await until('closure on the server', () => server.closures.length === 1);
    expect(server.closures[0]).toEqual(z);
    // The rejected ticket is what an operator extracts and sends by hand.
    const ex = await (await fetch(`${till.url}/api/till/extract`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'untransferred' }) })).json();
    expect([ex.count, ex.firstNumber]).toEqual([1, 2]);
  });
});
