import { spawn, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AdmZip from 'adm-zip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTillTickets } from '../fixtures/volume.ts';
import { TillsyncError } from './errors.ts';
import { fmt, sum } from './money.ts';
// Built with an HMAC secret: version 2 (format 3, signed by the till's key, is in package-signature.test.ts).
import { PACKAGE_FORMAT, LEGACY_HMAC_VERSION as PACKAGE_VERSION } from './package-format.ts';
import { readTicketPackage } from './package-reader.ts';
import { buildTicketPackage, writeTicketPackage } from './package-writer.ts';
import { sha256Hex, signManifest } from './signed-zip.ts';
import { GENESIS_HASH, canonicalJson, hashTicket } from './ticket-chain.ts';
import type { Ticket } from './types.ts';

const SECRET = 'secret-S1-01';
const tickets: Ticket[] = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 40, seed: 3 })];
const created = new Date(2026, 10, 24, 9, 30, 0);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pkg-writer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('buildTicketPackage', () => {
  it('writes manifest.json, hashes.bin and tickets.jsonl: one ticket per line, sorted by number, less what the reader restores', () => {
    const shuffled = [...tickets].reverse();
    const p = buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets: shuffled, secret: SECRET, created });
    expect(p.fileName).toBe('TicDeg01_20261124093000.zip');
    const zip = new AdmZip(p.bytes);
    // In name order (adm-zip's): the ticket text is the last entry, where the corrupt-files drill flips bits.
    expect(zip.getEntries().map((e) => e.entryName)).toEqual(['hashes.bin', 'manifest.json', 'tickets.jsonl']);
    const text = zip.readAsText('tickets.jsonl');
    const lines = text.split('\n');
    expect(lines.pop()).toBe(''); // every line ends with \n
    expect(lines).toHaveLength(tickets.length);
    const hashes = zip.getEntry('hashes.bin')!.getData();
    expect(hashes).toEqual(Buffer.from(tickets.map((t) => t.hash).join(''), 'hex'));
    lines.forEach((text, i) => {
      const line = JSON.parse(text);
      // Canonical JSON of what is left; hash, id, store, till never in the line, prevHash only on the first.
      expect(text).toBe(canonicalJson(line));
      expect(Object.keys(line).filter((k) => ['hash', 'prevHash', 'id', 'store', 'till'].includes(k))).toEqual(i === 0 ? ['prevHash'] : []);
      if (i === 0) expect(line.prevHash).toBe(GENESIS_HASH);
      const t = tickets[i];
      const restored = { ...line, hash: t.hash, prevHash: i === 0 ? line.prevHash : tickets[i - 1].hash, id: `S1-01-${String(line.number).padStart(8, '0')}`, store: 'S1', till: '01' };
      expect(canonicalJson(restored)).toBe(canonicalJson(t));
      expect(hashTicket(restored)).toBe(t.hash);
    });
    const m = JSON.parse(zip.readAsText('manifest.json'));
    expect(m).toEqual(p.manifest);
    expect(m).toMatchObject({
      format: PACKAGE_FORMAT,
      version: PACKAGE_VERSION,
      store: 'S1',
      till: '01',
      kind: 'degraded',
      created: created.toISOString(),
      count: 40,
      firstNumber: 1,
      lastNumber: 40,
      totals: { due: fmt(sum(tickets.map((t) => t.totals.due))), inclVat: fmt(sum(tickets.map((t) => t.totals.inclVat))) },
    });
    expect(m.entries).toEqual([
      { name: 'hashes.bin', size: 32 * tickets.length, sha256: sha256Hex(hashes) },
      { name: 'tickets.jsonl', size: Buffer.byteLength(text), sha256: sha256Hex(Buffer.from(text)) },
    ]);
    expect(m.signature).toBe(signManifest(m, SECRET));
    expect(m.signature).not.toBe(signManifest(m, 'another secret'));
  });

  it('TicDep names the day; an empty extraction is a valid package with no numbers', () => {
    const p = buildTicketPackage({ store: 'S1', till: '01', kind: 'untransferred', tickets: [], secret: SECRET, created });
    expect(p.fileName).toBe('TicDep01_20261124.zip');
    expect(p.manifest).toMatchObject({ count: 0, firstNumber: null, lastNumber: null, totals: { due: '0.00', inclVat: '0.00' } });
    expect(readTicketPackage(p.bytes, p.fileName, () => SECRET).tickets).toEqual([]);
  });

  it('10,000 tickets: the package is at most 15 % of their raw JSON, and reads back whole', () => {
    const many = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 10_000 })];
    const raw = Buffer.byteLength(many.map((t) => canonicalJson(t) + '\n').join(''));
    const p = buildTicketPackage({ store: 'S1', till: '01', kind: 'untransferred', tickets: many, secret: SECRET, created });
    const ratio = p.bytes.length / raw;
    expect(ratio, `package ${p.bytes.length} bytes for ${raw} bytes of raw JSON: ${(100 * ratio).toFixed(2)} %`).toBeLessThanOrEqual(0.15);
    const read = readTicketPackage(p.bytes, p.fileName, () => SECRET);
    expect(read.lineErrors).toEqual([]);
    // The reader has checked every ticket's content against its hash: same hashes, same tickets.
    expect(read.tickets.map((t) => t.hash)).toEqual(many.map((t) => t.hash));
  });

  it('refuses tickets of another till or twice the same number', () => {
    const other = { ...tickets[0], till: '02' };
    expect(() => buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets: [other], secret: SECRET })).toThrow(/belongs to S1 till 02/);
    expect(() => buildTicketPackage({ store: 'S1', till: '01', kind: 'degraded', tickets: [tickets[0], tickets[0]], secret: SECRET })).toThrow(/appears twice/);
  });
});

describe('writeTicketPackage', () => {
  it('writes the zip atomically: final name only, no .part left, bytes readable and verified', async () => {
    const out = join(dir, 'atomic');
    const w = await writeTicketPackage(out, { store: 'S1', till: '01', kind: 'degraded', tickets, secret: SECRET, created });
    expect(w.fileName).toBe('TicDeg01_20261124093000.zip');
    expect(w.path).toBe(join(out, w.fileName));
    expect(await readdir(out)).toEqual([w.fileName]);
    const bytes = await readFile(w.path);
    expect(bytes.length).toBe(w.bytes);
    const read = readTicketPackage(bytes, w.fileName, () => SECRET);
    expect(read.tickets).toEqual(tickets);
    expect(read.manifest).toEqual(w.manifest);
  });

  it('two extractions in the same second never overwrite each other', async () => {
    const out = join(dir, 'same-second');
    const a = await writeTicketPackage(out, { store: 'S1', till: '01', kind: 'degraded', tickets: tickets.slice(0, 10), secret: SECRET, created });
    const b = await writeTicketPackage(out, { store: 'S1', till: '01', kind: 'degraded', tickets: tickets.slice(10, 20), secret: SECRET, created });
    const c = await writeTicketPackage(out, { store: 'S1', till: '01', kind: 'degraded', tickets: tickets.slice(20, 30), secret: SECRET, created });
    expect([a.fileName, b.fileName, c.fileName]).toEqual(['TicDeg01_20261124093000.zip', 'TicDeg01_20261124093000-2.zip', 'TicDeg01_20261124093000-3.zip']);
    expect((await readdir(out)).sort()).toEqual([a.fileName, b.fileName, c.fileName].sort());
    expect(readTicketPackage(await readFile(a.path), a.fileName, () => SECRET).manifest.firstNumber).toBe(1);
    expect(readTicketPackage(await readFile(b.path), b.fileName, () => SECRET).manifest.firstNumber).toBe(11);
  });

  it('a stale .part from a crashed extraction is replaced, not published', async () => {
    const out = join(dir, 'stale');
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'TicDeg01_20261124093000.zip.part'), 'half a zip from a killed run');
    const w = await writeTicketPackage(out, { store: 'S1', till: '01', kind: 'degraded', tickets, secret: SECRET, created });
    expect(await readdir(out)).toEqual(['TicDeg01_20261124093000.zip']);
    expect(readTicketPackage(await readFile(w.path), w.fileName, () => SECRET).tickets).toHaveLength(40);
  });

  it('a folder that cannot be created gives one clear error', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    const err = await writeTicketPackage(join(file, 'out'), { store: 'S1', till: '01', kind: 'degraded', tickets, secret: SECRET }).catch((e) => e);
    expect(err).toBeInstanceOf(TillsyncError);
    expect(err.message).toMatch(/cannot create folder .*a-file\/out/);
  });
});

describe('writeTicketPackage on a full disk', () => {
  // Many tickets so the zip (~30 KB+) cannot fit on a 16 KiB file system.
  const many: Ticket[] = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 400, seed: 5 })];
  const mnt = join(tmpdir(), `tillsync-full-${process.pid}`);
  let mounted = false;

  beforeAll(async () => {
    await mkdir(mnt, { recursive: true });
    // Root can mount a tiny tmpfs: a real ENOSPC from the kernel, no mock.
    mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', mnt]).status === 0;
  });
  afterAll(async () => {
    if (mounted) spawnSync('umount', [mnt]);
    await rm(mnt, { recursive: true, force: true });
  });

  it('disk full (real tmpfs): clear error, no .zip and no .part left', async () => {
    if (!mounted) throw new Error(`cannot mount a tmpfs on ${mnt}: this test needs root (CI runs as root)`);
    const err = await writeTicketPackage(mnt, { store: 'S1', till: '01', kind: 'degraded', tickets: many, secret: SECRET, created }).catch((e) => e);
    expect(err).toBeInstanceOf(TillsyncError);
    expect(err.code).toBe('disk-full');
    expect(err.message).toBe(`cannot write ${join(mnt, 'TicDeg01_20261124093000.zip')}: disk full`);
    expect(err.hint).toBe(`free space on ${mnt} and extract again`);
    expect(await readdir(mnt)).toEqual([]);
    // Once space is there again (a smaller package fits), the rerun succeeds.
    const ok = await writeTicketPackage(mnt, { store: 'S1', till: '01', kind: 'degraded', tickets: many.slice(0, 5), secret: SECRET, created });
    expect(await readdir(mnt)).toEqual([ok.fileName]);
  });

  it('file size limit (RLIMIT_FSIZE in a real child process): clear error, nothing left', async () => {
    const out = join(dir, 'fsize');
    await mkdir(out, { recursive: true });
    const script = join(dir, 'write-under-ulimit.mts');
    const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
    await writeFile(
      script,
      `import { writeTicketPackage } from ${JSON.stringify(here('./package-writer.ts'))};
import { generateTillTickets } from ${JSON.stringify(here('../fixtures/volume.ts'))};
const tickets = [...generateTillTickets('01', { tills: 1, ticketsPerTill: 400, seed: 5 })];
try {
  await writeTicketPackage(process.argv[2], { store: 'S1', till: '01', kind: 'degraded', tickets, secret: 's' });
  console.log(JSON.stringify({ ok: true }));
} catch (e) {
  console.log(JSON.stringify({ code: e.code, message: e.message, hint: e.hint }));
}
`,
    );
    // ulimit -f counts 1 KiB blocks: 16 KiB is less than the package.
    const child = spawn('bash', ['-c', 'ulimit -f 16 && exec "$0" --import tsx "$1" "$2"', process.execPath, script, out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(result.code).toBe('file-too-large');
    expect(result.message).toMatch(/^cannot write .*TicDeg01_\d{14}\.zip: file too large for this file system$/);
    expect(await readdir(out)).toEqual([]);
  });
});
