/**
 * Drill: the disk fills up during an extraction. A real till sells, then `till extract` writes
 * into a small tmpfs with one page left, so the package runs out of space half-way. Expected: one
 * clear error line (disk full, where, what to do), nothing named like a package left in the
 * folder (no `.zip`, no `.part`), the tickets NOT recorded as packaged, and an extraction to a
 * folder with room afterwards takes them all.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rng } from '../fixtures/random.ts';
import { inspectPackage } from '../sync/package-reader.ts';
import { DrillFailure } from './drill-failure.ts';
import { initTill, saleInput, startTill, tillApi, tillArticles } from './drill-till.ts';
import { runTillsync } from '../cli/spawn-tillsync.ts';

export interface DiskFullOptions {
  dir: string;
  seed: number;
  sales?: number;
  log?: (line: string) => void;
}

export interface DiskFullReport {
  drill: 'disk-full';
  seed: number;
  sales: number;
  freeBytes: number;
  error: string;
  packageBytes: number;
  extractedAfterwards: number;
}

/** A tmpfs of `size` mounted on `dir` (needs root), filled so that only `leavePages` pages stay free. */
export function mountFullTmpfs(dir: string, size = '64k', leavePages = 1): { freeBytes: number; unmount(): void } {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`cannot mount a tmpfs on ${dir} (the disk-full drill needs root): ${((e as { stderr?: Buffer }).stderr ?? '').toString().trim() || (e as Error).message}`);
  }
  const unmount = () => execFileSync('umount', [dir], { stdio: 'pipe' });
  try {
    const st = statfsSync(dir);
    const free = Number(st.bavail) * Number(st.bsize);
    const filler = free - leavePages * Number(st.bsize);
    if (filler > 0) writeFileSync(join(dir, 'filler.bin'), Buffer.alloc(filler, 1));
    const after = statfsSync(dir);
    return { freeBytes: Number(after.bavail) * Number(after.bsize), unmount };
  } catch (e) {
    unmount();
    throw e;
  }
}

export async function runDiskFullDrill(opts: DiskFullOptions): Promise<DiskFullReport> {
  const r = rng(opts.seed);
  const log = opts.log ?? (() => {});
  const sales = opts.sales ?? 40;
  const data = join(opts.dir, 'disk-full-till');
  const full = join(opts.dir, 'disk-full-mount');
  const roomy = join(opts.dir, 'disk-full-roomy');
  const fail = (what: string) => new DrillFailure(`disk-full (seed ${opts.seed}): ${what}`, { drill: 'disk-full', seed: opts.seed });

  await initTill(data, { articles: 30 });
  const till = await startTill(data);
  try {
    const articles = await tillArticles(till.url);
    for (let i = 0; i < sales; i++) {
      const res = await tillApi(till.url, 'POST', '/sell', saleInput(r, articles));
      if (res.status !== 201) throw fail(`sale ${i + 1} refused: ${JSON.stringify(res.body)}`);
    }

    const mount = mountFullTmpfs(full);
    let error: string;
    try {
      log(`disk-full: ${sales} sales, extracting into a tmpfs with ${mount.freeBytes} bytes free`);
      // The CLI forwards to the running till: the error the operator sees is the one checked.
      const res = await runTillsync(['till', 'extract', '--data', data, '--kind', 'untransferred', '--out', full], { timeoutMs: 60_000 });
      error = res.stderr.trim();
      if (res.code === 0) throw fail(`extraction into a full disk succeeded: ${res.stdout.trim()}`);
      const lines = error.split('\n').filter(Boolean);
      if (lines.length !== 1) throw fail(`expected one error line, got ${lines.length}: ${error}`);
      if (!/^tillsync: .*disk full/i.test(lines[0])) throw fail(`the error does not say the disk is full: ${lines[0]}`);
      if (!lines[0].includes(full)) throw fail(`the error does not name the folder ${full}: ${lines[0]}`);
      const left = readdirSync(full).filter((n) => n !== 'filler.bin' && n !== 'lost+found');
      if (left.length) throw fail(`half-written files left in the full folder: ${left.join(', ')}`);
    } finally {
      mount.unmount();
    }

    const status = await tillApi<{ counts: { packaged: number; untransferred: number; total: number } }>(till.url, 'GET', '/status');
    if (status.body.counts.packaged !== 0) throw fail(`${status.body.counts.packaged} ticket(s) recorded as packaged although no package was written`);

    const ok = await runTillsync(['till', 'extract', '--data', data, '--kind', 'untransferred', '--out', roomy, '--json'], { timeoutMs: 60_000 });
    if (ok.code !== 0) throw fail(`extraction with room failed: ${ok.stderr.trim()}`);
    const file = ok.json?.file?.path as string;
    const bytes = readFileSync(file);
    const manifest = inspectPackage(bytes, file);
    if (manifest.count !== sales || manifest.firstNumber !== 1 || manifest.lastNumber !== sales) throw fail(`the package after the failure holds ${manifest.count} tickets (${manifest.firstNumber}–${manifest.lastNumber}), expected 1–${sales}`);
    if (bytes.length <= mount.freeBytes) throw fail(`the package (${bytes.length} bytes) would have fitted in ${mount.freeBytes} bytes: the drill did not fill the disk`);
    return { drill: 'disk-full', seed: opts.seed, sales, freeBytes: mount.freeBytes, error, packageBytes: bytes.length, extractedAfterwards: manifest.count };
  } finally {
    await till.proc.stop();
  }
}
