/**
 * A till that sold while its server was away reconnects: a real `tillsync till start` and a real
 * `tillsync server start` (child processes). Sales made with the server down are degraded; once the
 * server is up they replicate on their own (channel replication), are acknowledged (the till shows
 * them transferred), new sales are no longer degraded, and a document number written later on the
 * server's tickets table comes back down to the till.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_ENGINES, createPgDatabase } from '../support/test-databases.ts';
import { openDatabase, type Db } from '../../server/db/database.ts';
import { freePort, pollUntil, runCli, startServerProcess, startTillProcess, type ServerProcess, type TillProcess } from './intake-fixtures.ts';

interface TillStatus {
  mode: string;
  lastNumber: number;
  counts: { total: number; degraded: number; untransferred: number; acknowledged: number; documents: number };
}

async function tillApi<T>(till: TillProcess, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  if (method === 'POST' && body === undefined) body = {};
  const res = await fetch(`${till.url}/api/till${path}`, { method, headers: { ...till.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

for (const engine of TEST_ENGINES) {
  describe(`till offline, then back (${engine})`, () => {
    let dir: string;
    let till: TillProcess | undefined;
    let server: ServerProcess | undefined;
    let db: Db | undefined;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), `tillsync-repl-${engine}-`));
    });
    afterAll(async () => {
      await till?.stop();
      await server?.stop();
      await db?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    it('replicates the degraded sales on its own, gets them acknowledged, then receives their document number', { timeout: 300_000 }, async () => {
      const data = join(dir, 'server');
      const url = engine === 'postgres' ? await createPgDatabase() : undefined;
      const dbArgs = url ? ['--db', url] : [];
      expect((await runCli(['server', 'init', '--demo-base', '--data', data, ...dbArgs])).code).toBe(0);
      const secret = JSON.parse((await runCli(['--json', 'server', 'enroll-till', '--data', data, '--till', '01'])).stdout).secret as string;
      const port = await freePort();

      const tillData = join(dir, 'till');
      const init = await runCli(['till', 'init', '--data', tillData, '--store', 'S1', '--till', '01', '--server', `http://127.0.0.1:${port}`, '--secret', secret, '--articles', '30']);
      expect(init.code, init.stderr).toBe(0);
      till = await startTillProcess(tillData, ['--pull-interval', '500']);

      // The server is away: sales go on, flagged degraded.
      const { articles } = await tillApi<{ articles: { code: string; price: string }[] }>(till, 'GET', '/articles?q=&limit=5');
      const sold: { id: string; degraded: boolean }[] = [];
      for (const a of articles.slice(0, 3)) sold.push(await tillApi(till, 'POST', '/sell', { lines: [{ article: a.code, qty: 1 }], payments: [{ mode: 'ESP', amount: a.price }] }));
      expect(sold.map((t) => t.degraded)).toEqual([true, true, true]);
      const offline = await tillApi<TillStatus>(till, 'GET', '/status');
      expect(offline).toMatchObject({ mode: 'degraded', counts: { total: 3, degraded: 3, untransferred: 3, acknowledged: 0 } });

      // The server comes back: nothing to do by hand.
      server = await startServerProcess(['--data', data, ...dbArgs, '--port', String(port)]);
      db = await openDatabase({ data, url });
      const back = await pollUntil(
        async () => {
          const s = await tillApi<TillStatus>(till!, 'GET', '/status');
          return s.counts.acknowledged === 3 && s.counts.untransferred === 0 && s.mode === 'online' ? s : null;
        },
        'the degraded tickets to be acknowledged',
        120_000,
        250,
      );
      expect(back.counts).toMatchObject({ total: 3, degraded: 3, untransferred: 0, acknowledged: 3 });
      const stored = await db.selectFrom('tickets').select(['id', 'channel', 'degraded', 'status']).orderBy('number').execute();
      expect(stored).toEqual(sold.map((t) => ({ id: t.id, channel: 'replication', degraded: 1, status: 'received' })));

      // Online again: a new sale is not degraded, and it replicates too.
      const online = await tillApi<{ id: string; degraded: boolean }>(till, 'POST', '/sell', { lines: [{ article: articles[3].code, qty: 2 }], payments: [{ mode: 'CB', amount: (Number(articles[3].price) * 2).toFixed(2) }] });
      expect(online.degraded).toBe(false);
      await pollUntil(async () => (await tillApi<TillStatus>(till!, 'GET', '/status')).counts.acknowledged === 4, 'the online sale to be acknowledged', 60_000, 250);

      // Integration (stood in for by an UPDATE, as it writes) gives ticket 1 a document number.
      await db.updateTable('tickets').set({ document_number: 'F2026-000123', updated_at: new Date().toISOString() }).where('id', '=', sold[0].id).execute();
      const withNumber = await pollUntil(
        async () => {
          const { tickets } = await tillApi<{ tickets: { id: string; documentNumber?: string | null }[] }>(till!, 'GET', '/tickets?limit=10');
          return tickets.find((t) => t.id === sold[0].id && t.documentNumber === 'F2026-000123') ?? null;
        },
        'the document number to reach the till',
        60_000,
        250,
      );
      expect(withNumber.documentNumber).toBe('F2026-000123');
      expect((await tillApi<TillStatus>(till, 'GET', '/status')).counts.documents).toBe(1);
      const last = await db.selectFrom('tills').select(['last_number', 'gaps', 'last_contact_at']).executeTakeFirstOrThrow();
      expect([Number(last.last_number), last.gaps, last.last_contact_at !== null]).toEqual([4, '[]', true]);
    });
  });
}
