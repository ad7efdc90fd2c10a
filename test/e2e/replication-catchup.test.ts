/**
 * Issue 14: after a long outage, the till's replication catches up a large backlog page by page
 * from a checkpoint (client/ticket-push.ts), and a crash in the middle resumes without doubles.
 * A real `till start` and a real `server start` (child processes); the backlog put straight into
 * the till store (not sold one by one). The till is killed twice: at the crash point right after
 * the server answered its first page (before the checkpoint is saved: that page goes again), then
 * from outside part-way through. Every ticket ends stored once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../server/db/database.ts';
import { runJsonChild } from '../../bench/bench-processes.ts';
import { CRASH_ENV } from '../../sync/crash-points.ts';
import { PUSH_PAGE } from '../../client/ticket-push.ts';
import { spawnCli } from '../support/cli-harness.ts';
import { freePort, pollUntil, runCli, startServerProcess, startTillProcess, type ServerProcess, type TillProcess } from './intake-fixtures.ts';

// Eight pages of 250 tickets (`till start --push-page`): the first-page crash, a kill a quarter of
// the way with pages on both sides of it (six pages, 1,500 tickets, of slack for the one in flight
// against the 50 ms poll: the 3,000 of six default pages of 1,000 took three times the work and
// proved nothing more), and a resume from the checkpoint are all there. CATCHUP_TICKETS=N and
// CATCHUP_PAGE=N (default PUSH_PAGE) for a bigger backlog by hand.
const PAGE = Number(process.env.CATCHUP_PAGE ?? PUSH_PAGE / 4);
const TICKETS = Number(process.env.CATCHUP_TICKETS ?? 8 * PAGE);
const FILL = fileURLToPath(new URL('../../bench/bench-backlog-child.ts', import.meta.url));

describe(`a ${TICKETS}-ticket backlog replicated after an outage`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tillsync-catchup-'));
  let till: TillProcess | undefined;
  let server: ServerProcess | undefined;
  let db: Db | undefined;
  afterAll(async () => {
    await till?.stop();
    await server?.stop();
    await db?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('goes up page by page, survives two crashes in the middle, and every ticket is stored once', { timeout: 900_000 }, async () => {
    const data = join(dir, 'server');
    expect((await runCli(['server', 'init', '--data', data])).code).toBe(0);
    const secret = JSON.parse((await runCli(['--json', 'server', 'enroll-till', '--data', data, '--till', '01'])).stdout).secret as string;
    const port = await freePort();
    const tillData = join(dir, 'till');
    const init = await runCli(['till', 'init', '--data', tillData, '--store', 'S1', '--till', '01', '--server', `http://127.0.0.1:${port}`, '--secret', secret]);
    expect(init.code, init.stderr).toBe(0);
    // The week's sales while the network was down.
    const t0 = Date.now();
    const phase = (what: string) => console.log(`catch-up ${TICKETS}: ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await runJsonChild(FILL, ['fill', tillData, String(TICKETS)], 'backlog fill');
    phase('filled');

    server = await startServerProcess(['--data', data, '--port', String(port)]);
    db = await openDatabase({ data });
    const stored = async () => Number((await db!.selectFrom('tickets').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

    // 1. Killed right after the server answered the first page, before the checkpoint was saved.
    // (Acks pulled rarely: the till must not learn of that page's acks before it dies.)
    const crashed = spawnCli(['--json', 'till', 'start', '--data', tillData, '--port', '0', '--pull-interval', '600000', '--push-page', String(PAGE)], { stdio: 'ignore', env: { [CRASH_ENV]: 'replication:after-page' } });
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => crashed.on('close', (_code, sig) => resolve(sig)));
    expect(signal).toBe('SIGKILL');
    expect(await stored()).toBe(PAGE);
    phase('crashed after the first page');

    // 2. Killed from outside part-way through (whatever it was doing): once two pages are in.
    till = await startTillProcess(tillData, ['--pull-interval', '2000', '--push-page', String(PAGE)]);
    await pollUntil(async () => ((await stored()) >= 2 * PAGE ? true : null), 'two pages of the backlog on the server', 600_000, 50);
    // The first page went again (no checkpoint saved before the crash): the server answered "already known".
    const half = (await (await fetch(`${till.url}/api/till/status`, { headers: till.headers })).json()) as { replication: { tickets: { duplicates: number } } };
    expect(half.replication.tickets.duplicates).toBe(PAGE);
    till.proc.kill('SIGKILL');
    await till.stop();
    const atKill = await stored();
    phase(`killed with ${atKill} stored`);
    expect(atKill).toBeLessThan(TICKETS);

    // 3. Restarted: it carries on from its checkpoint to the end.
    till = await startTillProcess(tillData, ['--pull-interval', '2000', '--push-page', String(PAGE)]);
    const done = await pollUntil(
      async () => {
        const res = await fetch(`${till!.url}/api/till/status`, { headers: till!.headers });
        const s = (await res.json()) as { counts: { total: number; untransferred: number; acknowledged: number }; replication: { tickets: { pushed: number; duplicates: number } } };
        return s.counts.untransferred === 0 ? s : null;
      },
      'every ticket acknowledged',
      600_000,
      500,
    );
    phase('all acknowledged');
    expect(done.counts).toMatchObject({ total: TICKETS, untransferred: 0, acknowledged: TICKETS });
    // Every ticket once: none lost, none doubled, none in conflict.
    expect(await stored()).toBe(TICKETS);
    const distinct = await db.selectFrom('tickets').select((eb) => eb.fn.count<number>('number').distinct().as('n')).executeTakeFirstOrThrow();
    expect(Number(distinct.n)).toBe(TICKETS);
    expect(await db.selectFrom('ticket_conflicts').selectAll().execute()).toEqual([]);
    // The last run started from its checkpoint, not from the first ticket: it sent what was left
    // plus at most the page in flight at the kill (the server may still have committed it after
    // the count above), which the server answered "already known".
    const sent = done.replication.tickets.pushed + done.replication.tickets.duplicates;
    expect(sent).toBeGreaterThanOrEqual(TICKETS - atKill);
    expect(sent).toBeLessThanOrEqual(TICKETS - atKill + PAGE);
    expect(done.replication.tickets.duplicates).toBeLessThanOrEqual(PAGE);
  });
});
