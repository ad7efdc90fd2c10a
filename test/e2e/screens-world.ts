/**
 * A small shop for the screens, with real processes: a store server (demo base data, two tills
 * enrolled, a back-office user), till 01's tickets by the LAN inbox, till 02's sold in degraded
 * mode, and a running till 01 for the register page. Used by the accessibility and security-page
 * test (screens-a11y.test.ts) and by scripts/screenshots.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTillTickets } from '../../fixtures/volume.ts';
import { hashTicket } from '../../sync/ticket-chain.ts';
import { writeTicketPackage } from '../../sync/package-writer.ts';
import { generateTillKeyPair } from '../../sync/till-keys.ts';
import { freePort } from '../../sync/free-port.ts';
import { openDatabase } from '../../server/db/database.ts';
import { dayOffset, ok, start, type Running } from './screens-harness.ts';

export interface ScreensWorld {
  /** The back office, e.g. http://127.0.0.1:PORT/bo */
  backOffice: string;
  register: string;
  user: { name: string; password: string };
  /** The store server's data folder (its SQLite database). */
  data: string;
  stop(): Promise<void>;
}

export async function startScreensWorld(): Promise<ScreensWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'screens-world-'));
  const data = join(dir, 'server');
  const port = await freePort();
  const running: Running[] = [];
  try {
    await ok(['server', 'init', '--demo-base', '--data', data, '--port', String(port)]);
    const secrets: Record<string, string> = {};
    for (const till of ['01', '02']) secrets[till] = (await ok(['server', 'enroll-till', '--data', data, '--till', till])).secret;
    await ok(['server', 'user', 'add', '--data', data, '--name', 'admin', '--password-stdin'], 'back-office-pass\n');
    const server = await start(['server', 'start', '--data', data, '--port', String(port), '--host', '127.0.0.1']);
    running.push(server);
    const ticketsOf = (till: string, n: number, seed: number) => [...generateTillTickets(till, { tills: 1, ticketsPerTill: n, days: 4, startDay: dayOffset(-5), seed })];
    await writeTicketPackage(join(data, 'inbox'), { store: 'S1', till: '01', kind: 'untransferred', tickets: ticketsOf('01', 24, 5), signer: { key: generateTillKeyPair(), authSecret: secrets['01'] } });
    // Till 02 sold while the server was away: its package carries degraded tickets.
    // Tickets 4 to 8 sold in degraded mode: re-signed and re-chained as the till would have.
    let prevHash = '';
    const degraded = ticketsOf('02', 10, 4).map((t, i) => {
      const { hash: _old, ...base } = { ...t, degraded: i >= 3 && i < 8, prevHash: i === 0 ? t.prevHash : prevHash };
      const ticket = { ...base, hash: hashTicket(base) };
      prevHash = ticket.hash;
      return ticket;
    });
    await writeTicketPackage(join(data, 'inbox'), { store: 'S1', till: '02', kind: 'degraded', tickets: degraded, signer: { key: generateTillKeyPair(), authSecret: secrets['02'] } });
    const db = await openDatabase({ data });
    try {
      for (let i = 0; i < 300 && (await db.selectFrom('tickets').select('id').execute()).length < 34; i++) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await db.destroy();
    }
    const tillData = join(dir, 'till');
    const enrolled = (await ok(['server', 'enroll-till', '--data', data, '--till', '03'])).secret;
    await ok(['till', 'init', '--data', tillData, '--store', 'S1', '--till', '03', '--server', `http://127.0.0.1:${port}`, '--secret', enrolled, '--articles', '1000']);
    const till = await start(['till', 'start', '--data', tillData, '--port', '0']);
    running.push(till);
    return {
      backOffice: `${server.ready.listening.url}/bo`,
      register: till.ready.url,
      user: { name: 'admin', password: 'back-office-pass' },
      data,
      stop: async () => {
        for (const r of running.reverse()) await r.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    for (const r of running.reverse()) await r.stop();
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
