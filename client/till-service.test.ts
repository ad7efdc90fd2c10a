import { loadTillSigningKey } from './till-signing-key.ts';
import { generateTillKeyPair } from '../sync/till-keys.ts';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readTicketPackage } from '../sync/package-reader.ts';
import { verifyChain } from '../sync/ticket-chain.ts';
import { TillsyncError } from '../sync/errors.ts';
import { fmt, sum } from '../sync/money.ts';
import { cashSale, openTestTill, type TestTill } from '../test/support/test-till.ts';

let work: string;
const tills: TestTill[] = [];
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'tillsync-service-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));
afterEach(async () => {
  while (tills.length) await tills.pop()!.close();
});
async function till(opts: Parameters<typeof openTestTill>[0] = {}): Promise<TestTill> {
  const t = await openTestTill(opts);
  tills.push(t);
  return t;
}

async function refused(p: Promise<unknown>): Promise<TillsyncError> {
  const e = await p.then(
    () => null,
    (err) => err,
  );
  expect(e).toBeInstanceOf(TillsyncError);
  return e as TillsyncError;
}

/** A real HTTP server answering the health endpoint like the store server does. */
async function healthServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === '/api/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, store: 'S1', time: new Date().toISOString() }));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** A loopback port nobody listens on (bound, then released). */
async function closedPortUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

describe('selling on a till store', () => {
  it('numbers gaplessly across refused sales and the stored chain verifies', async () => {
    const { svc, store } = await till({ disk: true });
    for (let i = 1; i <= 6; i++) {
      await cashSale(svc, i);
      if (i % 2 === 0) await refused(svc.sell({ lines: [{ article: 'NOPE', qty: 1 }], payments: [{ mode: 'ESP', amount: '1.00' }] }));
    }
    const tickets = await store.ticketsFrom(1);
    expect(tickets.map((t) => t.number)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(verifyChain(tickets, null)).toEqual([]);
    expect((await svc.status()).lastNumber).toBe(6);
  });

  it('serialises concurrent sales: every one gets its own number', async () => {
    const { svc, store } = await till();
    const sold = await Promise.all(Array.from({ length: 12 }, (_, i) => cashSale(svc, (i % 3) + 1)));
    expect(sold.map((t) => t.number).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(verifyChain(await store.ticketsFrom(1), null)).toEqual([]);
  });

  it('continues the numbering and the chain after the store is reopened', async () => {
    const dir = join(work, 'reopen');
    const a = await openTestTill({ disk: true, dir });
    await cashSale(a.svc);
    const second = await cashSale(a.svc);
    await a.close();
    const b = await till({ disk: true, dir });
    const third = await cashSale(b.svc);
    expect(third.number).toBe(3);
    expect(third.prevHash).toBe(second.hash);
  });

  it('with no server configured: not degraded, every ticket untransferred', async () => {
    const { svc } = await till();
    const t = await cashSale(svc);
    expect(t.degraded).toBe(false);
    const st = await svc.status();
    expect(st.mode).toBe('standalone');
    expect(st.counts).toEqual({ total: 1, degraded: 0, untransferred: 1, packaged: 0, acknowledged: 0, documents: 0 });
  });

  it('server URL on a closed port → degraded; a real server answering health → not degraded', async () => {
    const down = await till({ server: await closedPortUrl(), health: { freshMs: 0 } });
    const t1 = await cashSale(down.svc);
    expect(t1.degraded).toBe(true);
    expect((await down.svc.status())).toMatchObject({ serverOnline: false, mode: 'degraded' });

    const { url, server } = await healthServer();
    try {
      const up = await till({ server: url, health: { freshMs: 0 } });
      const t2 = await cashSale(up.svc);
      expect(t2.degraded).toBe(false);
      const st = await up.svc.status();
      expect(st).toMatchObject({ serverOnline: true, mode: 'online' });
      // The server answered but has not acknowledged the ticket yet.
      expect(st.counts).toMatchObject({ total: 1, degraded: 0, untransferred: 1 });
    } finally {
      // Drop kept-alive sockets too, or the next health check may still reach the closing server.
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    }
  });

  it('counts degraded, packaged, acknowledged and written-back tickets', async () => {
    const { svc, store } = await till({ server: await closedPortUrl(), health: { freshMs: 60_000 } });
    for (let i = 0; i < 5; i++) await cashSale(svc);
    await svc.extract({ kind: 'degraded', out: join(work, 'counts') });
    await store.recordAcks([
      { id: 'S1-01-00000001', acknowledgedAt: '2026-11-24T10:00:00Z', documentNumber: 'F00000042', updatedAt: '2026-11-24T10:00:00Z' },
      { id: 'S1-01-00000002', acknowledgedAt: '2026-11-24T10:00:00Z', documentNumber: null, updatedAt: '2026-11-24T10:00:00Z' },
      // Another till's ack is not ours to count.
      { id: 'S1-02-00000003', acknowledgedAt: '2026-11-24T10:00:00Z', documentNumber: null, updatedAt: '2026-11-24T10:00:00Z' },
    ]);
    expect((await svc.status()).counts).toEqual({ total: 5, degraded: 5, untransferred: 3, packaged: 5, acknowledged: 2, documents: 1 });
    const [newest] = await svc.tickets(5).then((ts) => ts.slice(-1));
    expect(newest).toMatchObject({ number: 1, acknowledgedAt: '2026-11-24T10:00:00Z', documentNumber: 'F00000042' });
    expect(newest.packagedIn).toMatch(/^TicDeg01_\d{14}\.zip$/);
  });
});

describe('selling on a full disk (real tmpfs holding the store)', () => {
  const mnt = join(tmpdir(), `tillsync-till-store-full-${process.pid}`);
  let mounted = false;
  beforeAll(() => {
    mkdirSync(mnt, { recursive: true });
    mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]).status === 0;
  });
  afterAll(() => {
    if (mounted) spawnSync('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });

  it('refuses the sale with one clear error, then sells on from the right number once there is room', async () => {
    if (!mounted) throw new Error(`cannot mount a tmpfs on ${mnt}: this test needs root (CI runs as root)`);
    const t = await till({ disk: true, dir: join(mnt, 'till') });
    await cashSale(t.svc);
    // Fill the file system, leaving no room for the next commit.
    const filler = join(mnt, 'filler');
    spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k', 'count=100'], { stdio: 'ignore' });
    let e: TillsyncError | null = null;
    for (let i = 0; i < 200 && !e; i++) {
      e = await cashSale(t.svc, 3).then(
        () => null,
        (err) => err,
      );
    }
    expect(e).toBeInstanceOf(TillsyncError);
    expect(e!.code).toBe('store-write-failed');
    expect(e!.message).toMatch(/^cannot store ticket S1-01-\d{8}: /);
    expect(e!.hint).toContain('check free space');
    rmSync(filler);
    const next = await cashSale(t.svc);
    const stored = await t.store.ticketsFrom(1);
    expect(next.number).toBe(stored.length);
    expect(stored.map((x) => x.number)).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
    expect(verifyChain(stored, null)).toEqual([]);
  });
});

describe('closing the till (Z report)', () => {
  it('totals the tickets since the last closure and keeps the perpetual grand total', async () => {
    const { svc } = await till({ disk: true });
    await cashSale(svc, 1, 'A000001');
    await cashSale(svc, 2, 'A000002');
    await svc.sell({ customer: 'C0000002', lines: [{ article: 'A000003', qty: 1 }], payments: [{ mode: 'CB', amount: '50.00' }, { mode: 'CHQ', amount: '35.44' }] });
    const z1 = await svc.close();
    // A000001 125.60 VP, 2 × A000002 193.69 VR, A000003 85.44 VN (fixtures seed 1).
    expect([z1.ticketCount, z1.firstNumber, z1.lastNumber, z1.total, z1.grandTotal]).toEqual([3, 1, 3, '598.42', '598.42']);
    expect(z1.byVat.map((v) => [v.vatCode, v.inclVat])).toEqual([['VN', '85.44'], ['VP', '125.60'], ['VR', '387.38']]);
    expect(z1.byMode).toEqual([
      { mode: 'CB', amount: '50.00', count: 1 },
      { mode: 'CHQ', amount: '35.44', count: 1 },
      { mode: 'ESP', amount: '512.98', count: 2 },
    ]);
    await cashSale(svc, 1, 'A000001');
    const z2 = await svc.close();
    expect([z2.seq, z2.ticketCount, z2.firstNumber, z2.lastNumber, z2.total, z2.grandTotal]).toEqual([2, 1, 4, 4, '125.60', '724.02']);
    // A day is closed once: a Z with nothing sold since the day's last Z is refused (NF525).
    const z3 = await refused(svc.close());
    expect(z3.code).toBe('already-closed');
    const st = await svc.status();
    expect(st.lastClosure).toMatchObject({ id: 'S1-01-Z000002', grandTotal: '724.02' });
    expect(st.openTickets).toBe(0);
    expect((await svc.store.closures()).map((c) => c.id)).toEqual(['S1-01-Z000001', 'S1-01-Z000002']);
  });
});

describe('extracting packages', () => {
  it('writes TicDep, marks the tickets packaged, then has nothing; --include-sent takes them again; the package reads back', async () => {
    const { svc } = await till({ disk: true });
    for (let i = 0; i < 4; i++) await cashSale(svc, i + 1);
    const out = join(work, 'extract-1');
    const r1 = await svc.extract({ kind: 'untransferred', out });
    expect(r1.count).toBe(4);
    expect(r1.file?.fileName).toMatch(/^TicDep01_\d{8}\.zip$/);
    expect(readdirSync(out)).toEqual([r1.file!.fileName]);
    expect((await svc.status()).counts).toMatchObject({ packaged: 4, untransferred: 4 });

    const r2 = await svc.extract({ kind: 'untransferred', out });
    expect(r2.file).toBeNull();
    expect(r2.count).toBe(0);
    expect(r2.message).toMatch(/^nothing to extract/);
    expect(readdirSync(out)).toHaveLength(1);

    await cashSale(svc);
    const r3 = await svc.extract({ kind: 'untransferred', out });
    expect([r3.count, r3.firstNumber, r3.lastNumber]).toEqual([1, 5, 5]);

    const r4 = await svc.extract({ kind: 'untransferred', out, includeSent: true });
    expect([r4.count, r4.firstNumber, r4.lastNumber]).toEqual([5, 1, 5]);
    expect(readdirSync(out)).toHaveLength(3);

    // Format 3: verified with the till's public key alone (the server's view), never a shared secret.
    const key = loadTillSigningKey(svc.dataDir);
    const pkg = readTicketPackage(readFileSync(r4.file!.path), r4.file!.fileName, { publicKey: (store, tillCode, keyId) => (store === 'S1' && tillCode === '01' && keyId === key.keyId ? key.publicKeyPem : undefined) });
    expect(pkg.lineErrors).toEqual([]);
    expect(pkg.manifest).toMatchObject({ store: 'S1', till: '01', kind: 'untransferred', count: 5, firstNumber: 1, lastNumber: 5 });
    expect(pkg.tickets).toEqual(await svc.store.ticketsFrom(1));
    expect(verifyChain(pkg.tickets, null)).toEqual([]);
    const other = generateTillKeyPair();
    expect(() => readTicketPackage(readFileSync(r4.file!.path), r4.file!.fileName, { publicKey: () => other.publicKeyPem })).toThrow(/signature/);
    expect(() => readTicketPackage(readFileSync(r4.file!.path), r4.file!.fileName, () => 'test-secret')).toThrow(/not registered/);
  });

  it('TicDeg takes only degraded tickets, and never acknowledged ones', async () => {
    const { url, server } = await healthServer();
    try {
      const t = await till({ server: url, health: { freshMs: 0 } });
      await cashSale(t.svc); // 1 online
      // Drop kept-alive sockets too, or the next health check may still reach the closing server.
      await new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
      await cashSale(t.svc); // 2 degraded
      await cashSale(t.svc); // 3 degraded
      await t.store.recordAcks([{ id: 'S1-01-00000003', acknowledgedAt: 'x', documentNumber: null, updatedAt: 'x' }]);
      const r = await t.svc.extract({ kind: 'degraded', out: join(work, 'extract-deg') });
      expect(r.file?.fileName).toMatch(/^TicDeg01_\d{14}\.zip$/);
      expect([r.count, r.firstNumber, r.lastNumber]).toEqual([1, 2, 2]);
      const u = await t.svc.extract({ kind: 'untransferred', out: join(work, 'extract-deg') });
      expect([u.count, u.firstNumber, u.lastNumber]).toEqual([1, 1, 1]);
    } finally {
      server.close();
    }
  });

  it('keeps package records across a reopen', async () => {
    const dir = join(work, 'pkg-reopen');
    const a = await openTestTill({ disk: true, dir });
    await cashSale(a.svc);
    await cashSale(a.svc);
    const r = await a.svc.extract({ kind: 'untransferred', out: join(dir, 'out') });
    await a.close();
    const b = await till({ disk: true, dir });
    expect((await b.svc.status()).counts.packaged).toBe(2);
    expect((await b.svc.tickets(10)).map((t) => t.packagedIn)).toEqual([r.file!.fileName, r.file!.fileName]);
    expect((await b.svc.extract({ kind: 'untransferred', out: join(dir, 'out') })).file).toBeNull();
  });

  it('rejects an unknown kind', async () => {
    const { svc } = await till();
    expect(() => svc.extract({ kind: 'everything' as any, out: work })).toThrow(/--kind must be degraded or untransferred/);
  });

  describe('on a full disk (real tmpfs)', () => {
    const mnt = join(tmpdir(), `tillsync-till-full-${process.pid}`);
    let mounted = false;
    beforeAll(() => {
      mkdirSync(mnt, { recursive: true });
      mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', mnt]).status === 0;
    });
    afterAll(() => {
      if (mounted) spawnSync('umount', [mnt]);
      rmSync(mnt, { recursive: true, force: true });
    });

    it('reports the writer error and leaves the tickets unpackaged', async () => {
      if (!mounted) throw new Error(`cannot mount a tmpfs on ${mnt}: this test needs root (CI runs as root)`);
      const { svc, store } = await till();
      // 400 tickets do not fit in 16 KiB once zipped (hashes do not compress).
      const lines = Array.from({ length: 8 }, (_, i) => ({ article: `A0000${String(i + 10)}`, qty: 1 }));
      const due = fmt(sum(lines.map((l) => store.base.article(l.article)!.price)));
      for (let i = 0; i < 400; i++) await svc.sell({ lines, payments: [{ mode: 'CB', amount: due }] });
      const e = await refused(svc.extract({ kind: 'untransferred', out: mnt }));
      expect(e.code).toBe('disk-full');
      expect(e.message).toMatch(new RegExp(`^cannot write ${mnt}/TicDep01_\\d{8}\\.zip: disk full$`));
      expect(readdirSync(mnt)).toEqual([]);
      expect((await svc.status()).counts.packaged).toBe(0);
      const ok = await svc.extract({ kind: 'untransferred', out: join(work, 'after-full') });
      expect(ok.count).toBe(400);
    });
  });
});

describe('sending packages', () => {
  it('copies to a LAN folder byte for byte', async () => {
    const { svc } = await till();
    await cashSale(svc);
    const r = await svc.extract({ kind: 'untransferred', out: join(work, 'lan-out') });
    const drop = join(work, 'lan-drop');
    mkdirSync(drop, { recursive: true });
    const sent = await svc.send(r.file!.path, { lan: drop });
    expect(sent.channel).toBe('lan');
    expect(readdirSync(drop)).toEqual([r.file!.fileName]);
    expect(readFileSync(join(drop, r.file!.fileName)).equals(readFileSync(r.file!.path))).toBe(true);
  });

  it('mails through a real SMTP server on loopback: subject names store, till and file; attachment identical', async () => {
    const messages: ParsedMail[] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _s, cb) {
        simpleParser(stream).then((m) => {
          messages.push(m);
          cb();
        }, cb);
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    try {
      const port = (smtp.server.address() as AddressInfo).port;
      const { svc } = await till({ server: await closedPortUrl(), health: { freshMs: 60_000 } });
      for (let i = 0; i < 3; i++) await cashSale(svc);
      const r = await svc.extract({ kind: 'degraded', out: join(work, 'mail-out') });
      const sent = await svc.send(r.file!.path, { mail: ['compta@boutique.test', 'it@boutique.test'], smtp: `smtp://127.0.0.1:${port}` });
      expect(sent.channel).toBe('mail');
      expect(messages).toHaveLength(1);
      const m = messages[0];
      expect(m.subject).toContain('S1');
      expect(m.subject).toContain('01');
      expect(m.subject).toContain(r.file!.fileName);
      expect((Array.isArray(m.to) ? m.to : [m.to]).flatMap((t) => t!.value.map((v) => v.address))).toEqual(['compta@boutique.test', 'it@boutique.test']);
      expect(m.attachments).toHaveLength(1);
      expect(m.attachments[0].filename).toBe(r.file!.fileName);
      expect(Buffer.from(m.attachments[0].content).equals(readFileSync(r.file!.path))).toBe(true);
    } finally {
      await new Promise<void>((r) => smtp.close(() => r()));
    }
  });

  it('refuses a missing file with a clear error', async () => {
    const { svc } = await till();
    const e = await refused(svc.send(join(work, 'nope.zip'), { lan: work }));
    expect(e.message).toBe(`no package file ${join(work, 'nope.zip')}`);
    expect(existsSync(join(work, 'nope.zip'))).toBe(false);
  });
});
