/**
 * Issue 14, through the real CLI (child processes, SQLite): each failure a careless operator or a
 * long outage met is now a clear answer. A bad date refused by `server nightly` as by every other
 * command; a corrupt or mistyped server.json named by file, line/key and fix; an unknown customer
 * refused; a copied data folder using its own inbox; a package taken by hand out of the inbox moved
 * to processed/ or quarantine/; `server nightly` one line per step, one JSON document, exit 3 when
 * something was left out; `config check` comparing the tills' decimals with the books'.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli-harness.ts';
import { generateTillTickets } from '../../fixtures/volume.ts';
import { hashTicket } from '../../sync/ticket-chain.ts';
import { buildTicketPackage, type PackageSigner } from '../../sync/package-writer.ts';
import { generateTillKeyPair, type TillKeyPair } from '../../sync/till-keys.ts';

const tillsync = (args: string[]) => runCli(args, { env: { TILLSYNC_DEBUG: '' }, timeoutMs: 120_000 });
const T = 180_000;

describe('robustness of the server CLI (issue 14)', () => {
  let dir: string;
  let data: string;
  // Each till signs its packages with its own Ed25519 key, registered at enrolment (--public-key).
  const key01 = generateTillKeyPair();
  const key02 = generateTillKeyPair();
  let signer01: PackageSigner;
  let signer02: PackageSigner;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tillsync-robust-'));
    data = join(dir, 'server');
    expect((await tillsync(['server', 'init', '--demo-base', '--data', data])).code).toBe(0);
    const enrol = async (till: string, key: TillKeyPair): Promise<PackageSigner> => {
      const pem = join(dir, `till-${till}.pub.pem`);
      writeFileSync(pem, key.publicKeyPem);
      const secret = (await tillsync(['--json', 'server', 'enroll-till', '--data', data, '--till', till, '--public-key', pem])).json.secret;
      return { key, authSecret: secret };
    };
    signer01 = await enrol('01', key01);
    signer02 = await enrol('02', key02);
  }, T);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('server nightly --until 2026-02-30 is refused like every other date option, before any step runs', async () => {
    for (const args of [
      ['server', 'nightly', '--data', data, '--until', '2026-02-30'],
      ['server', 'integrate', '--data', data, '--until', '2026-02-30'],
      ['server', 'post', '--data', data, '--until', '2026-02-30'],
    ]) {
      const r = await tillsync(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim()).toBe('tillsync: --until 2026-02-30 is not a date (give it as YYYY-MM-DD, e.g. --until 2026-11-02, or today / yesterday)');
    }
    const exp = await tillsync(['server', 'export', '--data', data, '--format', 'fec', '--from', '2026-02-01', '--to', '2026-02-30']);
    expect(exp.code).toBe(2);
    expect(exp.stderr).toMatch(/^tillsync: --to 2026-02-30 is not a date \(give it as YYYY-MM-DD/);
  }, T);

  it('server open-items --customer NOPE999: a clear error and a non-zero exit, not "nothing open"', async () => {
    const r = await tillsync(['server', 'open-items', '--data', data, '--customer', 'NOPE999']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^tillsync: no customer NOPE999: not in the base data, the accounting mapping or any ticket received \(check the code/);
    expect((await tillsync(['server', 'open-items', '--data', data, '--customer', 'C0000001'])).code).toBe(0);
  }, T);

  it('a truncated or mistyped server.json is named: file, line or key, problem, fix', async () => {
    const bad = join(dir, 'bad');
    cpSync(data, bad, { recursive: true });
    const cfg = join(bad, 'server.json');
    const good = readFileSync(cfg, 'utf8');
    writeFileSync(cfg, good.slice(0, 32));
    const cut = await tillsync(['server', 'status', '--data', bad]);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(new RegExp(`^tillsync: ${cfg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line \\d+, column \\d+: not valid JSON: .*\\(fix the file by hand`));
    expect(cut.stderr).not.toMatch(/position/);

    writeFileSync(cfg, JSON.stringify({ ...JSON.parse(good), inbox: 7 }));
    const typed = await tillsync(['server', 'status', '--data', bad]);
    expect(typed.code).toBe(1);
    expect(typed.stderr).toMatch(/server\.json: inbox: Invalid input: expected string, received number \(fix the file by hand/);
    expect(typed.stderr).not.toMatch(/"path" argument/);
  }, T);

  it('a copied data folder uses its own inbox; server status shows the resolved paths', async () => {
    expect(JSON.parse(readFileSync(join(data, 'server.json'), 'utf8')).inbox).toBe('inbox');
    const copy = join(dir, 'copy');
    cpSync(data, copy, { recursive: true });
    const st = await tillsync(['--json', 'server', 'status', '--data', copy]);
    expect(st.code).toBe(0);
    expect(st.json.folders).toMatchObject({ data: copy, inbox: join(copy, 'inbox'), processed: join(copy, 'inbox', 'processed'), quarantine: join(copy, 'inbox', 'quarantine') });
    expect(st.json.inbox.path).toBe(join(copy, 'inbox'));
    const text = await tillsync(['server', 'status', '--data', copy]);
    expect(text.stdout).toContain(`inbox ${join(copy, 'inbox')}:`);
    // An inbox given explicitly outside the folder stays absolute.
    const outside = join(dir, 'shared-inbox');
    expect((await tillsync(['server', 'init', '--demo-base', '--data', copy, '--inbox', outside])).code).toBe(0);
    expect(JSON.parse(readFileSync(join(copy, 'server.json'), 'utf8')).inbox).toBe(outside);
  }, T);

  it('server intake of a file inside the inbox moves it to processed/ (taken) or quarantine/ (refused)', async () => {
    const inbox = join(data, 'inbox');
    const tickets = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 5, seed: 14 })];
    const good = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets, signer: signer01, created: new Date(2026, 10, 2, 10, 0, 1) });
    const forged = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets, signer: { key: key02, authSecret: signer01.authSecret }, created: new Date(2026, 10, 2, 10, 0, 2) });
    writeFileSync(join(inbox, good.fileName), good.bytes);
    writeFileSync(join(inbox, forged.fileName), forged.bytes);
    const r = await tillsync(['server', 'intake', '--data', data, join(inbox, good.fileName), join(inbox, forged.fileName)]);
    expect(r.code).toBe(1);
    expect(existsSync(join(inbox, good.fileName))).toBe(false);
    expect(existsSync(join(inbox, forged.fileName))).toBe(false);
    expect(readdirSync(join(inbox, 'processed'))).toEqual([good.fileName]);
    expect(readdirSync(join(inbox, 'quarantine')).sort()).toEqual([forged.fileName, `${forged.fileName}.reason.txt`]);
    expect(readFileSync(join(inbox, 'quarantine', `${forged.fileName}.reason.txt`), 'utf8')).toMatch(/^reason: unknown-key/); // signed by a key not registered for till 01
    expect(r.stdout).toContain(`moved to ${join(inbox, 'processed', good.fileName)}`);
    // A file kept elsewhere by the operator stays where it is.
    const kept = join(dir, good.fileName);
    writeFileSync(kept, good.bytes);
    expect((await tillsync(['server', 'intake', '--data', data, kept])).code).toBe(0);
    expect(existsSync(kept)).toBe(true);
  }, T);

  it('config check compares the tills\' decimals with the books\'; nightly prints one line per step and exits 3 when a ticket is left out', async () => {
    const three = [...generateTillTickets('02', { tills: 1, ticketsPerTill: 3, seed: 15, rounding: { decimals: 3, vatOn: 'line' } })];
    // The last ticket names a customer the server does not know: integration leaves it out (the
    // generator's payments are whole cents, so posting takes this till's documents).
    const last = three[three.length - 1];
    last.customer = 'NOPE999';
    last.hash = hashTicket(last);
    const p = buildTicketPackage({ store: 'S1', till: '02', kind: 'degraded', tickets: three, signer: signer02, created: new Date(2026, 10, 2, 11, 0, 0) });
    const file = join(dir, p.fileName);
    writeFileSync(file, p.bytes);
    expect((await tillsync(['server', 'intake', '--data', data, file])).code).toBe(0);

    const check = await tillsync(['server', 'config', 'check', '--data', data]);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/ERROR +rounding\.decimals: till S1-02 keeps amounts to 3 decimals \(ticket S1-02-00000003\) but the books keep 2/);

    const human = await tillsync(['server', 'nightly', '--data', data, '--until', '2026-11-02']);
    expect(human.code, human.stdout + human.stderr).toBe(3);
    const lines = human.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(':')[0])).toEqual(['integrate', 'post', 'letter', 'export', 'ereport', 'check', 'nightly']);
    expect(human.stdout).not.toMatch(/[{}]/);
    // 2026-11-02 is a monday: the night's days are checked, not the whole books (docs/books-checks.md).
    expect(lines[5]).toMatch(/^check: all \d+ books checks passed over 2026-11-02 \(the night's days; the whole books weekly or with --full-check\)$/);
    expect(lines[6]).toMatch(/^nightly: finished, \d+ item\(s\) left out \(exit 3\)/);

    const json = await tillsync(['--json', 'server', 'nightly', '--data', data, '--until', '2026-11-02']);
    expect(json.code).toBe(3);
    expect(json.json).toMatchObject({ ok: false, exitCode: 3, until: '2026-11-02', failed: null });
    expect(json.json.leftOut).toBeGreaterThan(0);
    expect(json.json.steps.map((s: { step: string }) => s.step)).toEqual(['integrate', 'post', 'letter', 'export', 'ereport', 'check']);
  }, T);
});
