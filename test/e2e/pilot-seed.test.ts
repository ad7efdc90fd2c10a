/**
 * The seed's own pilot files (pilots/seed/, unchanged) against a real till and a real store
 * server, all through the CLI as child processes:
 *   pvpprecomail.txt    extract degraded tickets, mail them; the server's SMTP listener takes them in
 *   pvpprecolan.txt     extract, load the server defaults, deliver over the LAN, intake, integrate, restore
 *   PVPPTRANST.TXT      the same for untransferred tickets (TicDep)
 *   PVPPTRANSTMAIL.TXT  untransferred tickets by mail to the address written in the pilot
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../server/db/database.ts';
import { demoBaseData } from '../../fixtures/store.ts';
import { ok, startServer, tillsync, waitFor } from './pilot-harness.ts';

const SEED = join(import.meta.dirname, '..', '..', 'pilots', 'seed');
const SERVER_MAIL = 'serveur@magasin.example';

let shop: string;
let serveur: string;
let caisse: string;
let pilots: string;
const article = demoBaseData().articles[0]!;

async function sell(n: number): Promise<void> {
  const sale = join(shop, 'sale.json');
  writeFileSync(sale, JSON.stringify({ lines: [{ article: article.barcode, qty: 1 }], payments: [{ mode: 'ESP', amount: article.price }] }));
  for (let i = 0; i < n; i++) {
    const t = await ok(['till', 'sell', '--data', caisse, '--input', sale]);
    expect(t.degraded).toBe(true);
  }
}

async function serverTickets(): Promise<{ id: string; channel: string; document_number: string | null }[]> {
  const db = await openDatabase({ data: serveur });
  try {
    return await db.selectFrom('tickets').select(['id', 'channel', 'document_number']).orderBy('id').execute();
  } finally {
    await db.destroy();
  }
}

function defaults(extra = ''): string {
  const file = join(shop, 'me.txt');
  writeFileSync(file, `; the cashier's own defaults\ntillData=caisse\n${extra}`);
  return file;
}

beforeAll(async () => {
  shop = mkdtempSync(join(tmpdir(), 'tillsync-seed-'));
  serveur = join(shop, 'serveur');
  caisse = join(shop, 'caisse');
  pilots = join(shop, 'pilots');
  cpSync(SEED, pilots, { recursive: true });
  await ok(['server', 'init', '--demo-base', '--data', serveur]);
  const { secret } = await ok(['server', 'enroll-till', '--data', serveur, '--till', '01']);
  // A server URL nobody answers on: the till sells in degraded mode, as during a network cut.
  await ok(['till', 'init', '--demo-base', '--data', caisse, '--store', 'S1', '--till', '01', '--server', 'http://127.0.0.1:9', '--secret', secret]);
});

afterAll(() => {
  rmSync(shop, { recursive: true, force: true });
});

describe('seed pilot files, unchanged', { timeout: 400_000 }, () => {
  it('pvpprecomail.txt: degraded tickets extracted and mailed; the server takes them from its mailbox', async () => {
    await sell(3);
    const server = await startServer(['--data', serveur, '--port', '0', '--host', '127.0.0.1', '--smtp-port', '0', '--mail-to', SERVER_MAIL]);
    try {
      const me = defaults(`smtpUrl=smtp://127.0.0.1:${server.smtpPort}\nmailTo=${SERVER_MAIL}\n`);
      const r = await tillsync(['--json', 'pilot', 'run', join(pilots, 'pvpprecomail.txt'), '--defaults', me]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.json.steps.map((s: any) => [s.line, s.action, s.status])).toEqual([
        [3, 'pvppreco1.dhop', 'ok'],
        [4, 'pvppsendmail.dhop', 'ok'],
      ]);
      expect(r.json.steps[0].commands[0].output.count).toBe(3);
      expect(r.json.steps[1].commands[0].output).toMatchObject({ channel: 'mail', target: SERVER_MAIL });
      expect(await waitFor(async () => (await serverTickets()).length === 3)).toBe(true);
      expect((await serverTickets()).map((t) => t.channel)).toEqual(['mail', 'mail', 'mail']);
    } finally {
      await server.stop();
    }
  });

  it('pvpprecomail.txt again with nothing degraded waiting: extract writes nothing, the send step is skipped, the pilot succeeds', async () => {
    const me = defaults(`smtpUrl=smtp://127.0.0.1:9\nmailTo=${SERVER_MAIL}\n`);
    const r = await tillsync(['--json', 'pilot', 'run', join(pilots, 'pvpprecomail.txt'), '--defaults', me]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.steps.map((s: any) => s.status)).toEqual(['ok', 'skipped']);
    expect(r.json.steps[1].note).toContain('line 3 wrote no file');
  });

  it('pvpprecolan.txt: extract, server defaults, LAN delivery, intake and immediate integration, user defaults restored', async () => {
    await sell(2);
    const me = defaults();
    const r = await tillsync(['--json', 'pilot', 'run', join(pilots, 'pvpprecolan.txt'), '--defaults', me]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.steps.map((s: any) => [s.line, s.status])).toEqual([[3, 'ok'], [4, 'ok'], [6, 'ok'], [8, 'ok']]);
    const reco2 = r.json.steps[2].commands;
    expect(reco2.map((c: any) => c.argv.slice(0, 2).join(' '))).toEqual(['till send', 'server intake', 'server integrate']);
    // The server took the very file its inbox received over the LAN.
    expect(reco2[1].argv[reco2[1].argv.length - 1]).toBe(reco2[0].output.target);
    expect(reco2[0].output.target.startsWith(join(serveur, 'inbox'))).toBe(true);
    expect(r.json.steps[3].note).toContain(`user defaults restored (${me})`);
    const tickets = await serverTickets();
    expect(tickets).toHaveLength(5);
    expect(tickets.slice(3).map((t) => t.channel)).toEqual(['manual', 'manual']);
    // integrate=oui until=today in implicitestpv.txt: every ticket of today is in a document.
    expect(tickets.every((t) => t.document_number !== null)).toBe(true);
  });

  it('PVPPTRANST.TXT: untransferred tickets (TicDep) over the LAN into the server', async () => {
    await sell(1);
    const r = await tillsync(['--json', 'pilot', 'run', join(pilots, 'PVPPTRANST.TXT'), '--defaults', defaults()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.steps[0].commands[0].output.file.fileName).toMatch(/^TicDep01_\d{8}\.zip$/);
    expect((await serverTickets()).map((t) => t.id)).toContain('S1-01-00000006');
  });

  it('PVPPTRANSTMAIL.TXT: untransferred tickets mailed to the address written in the pilot', async () => {
    await sell(1);
    const server = await startServer(['--data', serveur, '--port', '0', '--host', '127.0.0.1', '--smtp-port', '0', '--mail-to', SERVER_MAIL]);
    try {
      // The user's defaults name another recipient: the address on the pilot line wins.
      const me = defaults(`smtpUrl=smtp://127.0.0.1:${server.smtpPort}\nmailTo=someone-else@magasin.example\n`);
      const r = await tillsync(['--json', 'pilot', 'run', join(pilots, 'PVPPTRANSTMAIL.TXT'), '--defaults', me]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.json.steps[1].commands[0].argv).toContain(SERVER_MAIL);
      expect(await waitFor(async () => (await serverTickets()).some((t) => t.id === 'S1-01-00000007'))).toBe(true);
    } finally {
      await server.stop();
    }
    expect(readdirSync(join(caisse, 'log')).some((f) => f.startsWith('pilot-'))).toBe(true);
  });
});
