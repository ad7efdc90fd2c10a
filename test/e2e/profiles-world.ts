/**
 * Demo-like books for the export-profile tests, made by the real CLI as child processes: a store
 * server with the demo's base data (`server init --demo-base`), two tills' ticket packages taken
 * in by `server intake`, integrated into invoices and posted (`server integrate`, `server post`),
 * as the demo does. Optionally the server running, with a back-office user, for the browser.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTillTickets } from '../../fixtures/volume.ts';
import { writeTicketPackage } from '../../sync/package-writer.ts';
import { generateTillKeyPair } from '../../sync/till-keys.ts';
import { freePort } from '../../sync/free-port.ts';
import { dayOffset, ok, start, type Running } from './screens-harness.ts';

export interface ProfilesWorld {
  dir: string;
  data: string;
  /** First and last business day of the posted tickets. */
  from: string;
  to: string;
  /** The back office (http://127.0.0.1:PORT/bo) once started. */
  backOffice: string | null;
  user: { name: string; password: string };
  startServer(): Promise<string>;
  /** A copy of the data folder (same books, SQLite), for a second test on its own. */
  copy(name: string): string;
  stop(): Promise<void>;
}

export async function makeProfilesWorld(): Promise<ProfilesWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'profiles-world-'));
  const data = join(dir, 'server');
  const port = await freePort();
  let running: Running | null = null;
  const user = { name: 'comptable', password: 'cabinet-pass-2026' };
  try {
    await ok(['server', 'init', '--demo-base', '--data', data, '--port', String(port)]);
    const from = dayOffset(-5);
    const to = dayOffset(-2);
    const files: string[] = [];
    for (const [till, seed] of [['01', 5], ['02', 9]] as const) {
      const secret = (await ok(['server', 'enroll-till', '--data', data, '--till', till])).secret;
      const tickets = [...generateTillTickets(till, { tills: 1, ticketsPerTill: 30, days: 4, startDay: from, seed })];
      const p = await writeTicketPackage(join(dir, 'packages'), { store: 'S1', till, kind: 'untransferred', tickets, signer: { key: generateTillKeyPair(), authSecret: secret } });
      files.push(p.path);
    }
    await ok(['server', 'intake', '--data', data, ...files]);
    await ok(['server', 'integrate', '--data', data]);
    await ok(['server', 'post', '--data', data, '--until', dayOffset(-1)]);
    await ok(['server', 'user', 'add', '--data', data, '--name', user.name, '--password-stdin'], `${user.password}\n`);
    const world: ProfilesWorld = {
      dir,
      data,
      from,
      to,
      backOffice: null,
      user,
      startServer: async () => {
        running = await start(['server', 'start', '--data', data, '--port', String(port), '--host', '127.0.0.1']);
        world.backOffice = `${running.ready.listening.url}/bo`;
        return world.backOffice;
      },
      copy: (name) => {
        const to = join(dir, name);
        cpSync(data, to, { recursive: true });
        return to;
      },
      stop: async () => {
        await running?.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return world;
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
