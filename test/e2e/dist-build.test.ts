// The bundled build bin/tillsync.mjs starts from (bin/build-dist.mjs): it behaves as the sources do,
// and a build that no longer matches its sources is never run (bin/dist-build.mjs).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDist } from '../../bin/build-dist.mjs';
import { freshBuild, ROOT } from '../../bin/dist-build.mjs';
import { TILLSYNC_BIN } from '../../cli/spawn-tillsync.ts';

const dir = mkdtempSync(join(tmpdir(), 'tillsync-dist-'));
const built: string[] = [];
afterAll(() => {
  for (const d of [dir, ...built]) rmSync(d, { recursive: true, force: true });
});

function node(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the bundled CLI', () => {
  it('answers as the sources do: help of every group, a usage error, a command run', { timeout: 180_000 }, async () => {
    // Inside the checkout, as dist/ is: the bundle imports its external packages from node_modules.
    const dist = join(ROOT, 'dist', `test-${process.pid}`);
    built.push(dist);
    const manifest = await buildDist({ quiet: true, dist });
    expect(Object.keys(manifest.inputs)).toContain('cli/main.ts');
    expect(Object.keys(manifest.inputs)).toContain('server/intake/cli.ts');
    const fresh = freshBuild(dist);
    expect(fresh.reason).toBe('fresh');
    // Runs the build exactly as bin/tillsync.mjs does with a fresh dist/.
    const runner = join(dir, 'run-built.mjs');
    writeFileSync(runner, `const { main } = await import(${JSON.stringify(fresh.url)});\nawait main(process.argv);\n`);
    const server = join(dir, 'server');
    expect(node([TILLSYNC_BIN, 'server', 'init', '--data', server], { TILLSYNC_NO_DIST: '1' }).code).toBe(0);
    const cases = [['--help'], ['till', '--help'], ['server', '--help'], ['server', 'export', '--help'], ['drill', '--help'], ['server', 'frobnicate'], ['server', 'status', '--data', server], ['server', 'status', '--data', server, '--json'], ['audit', 'verify', join(dir, 'no-such.zip')]];
    for (const args of cases) {
      const fromBuild = node([runner, ...args]);
      const fromSources = node([TILLSYNC_BIN, ...args], { TILLSYNC_NO_DIST: '1' });
      const tidy = (s: string) => s.replace(/"(at|created_at|createdAt|checkedAt)":"[^"]*"/g, '"$1":…').replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'T');
      expect(fromBuild.code, `${args.join(' ')}: ${fromBuild.stderr}`).toBe(fromSources.code);
      expect(tidy(fromBuild.stdout), args.join(' ')).toBe(tidy(fromSources.stdout));
      expect(fromBuild.stderr, args.join(' ')).toBe(fromSources.stderr);
    }
  });
});

describe('freshBuild', () => {
  // A build manifest naming one source file (a temp file, named relative to the checkout as esbuild does).
  function fakeBuild(name: string) {
    const dist = join(dir, name);
    mkdirSync(join(dist, 'b1'), { recursive: true });
    const file = join(dir, `${name}-source.ts`);
    writeFileSync(file, 'export const x = 1;\n');
    utimesSync(file, new Date(2026, 0, 1), new Date(2026, 0, 1));
    const rel = relative(ROOT, file);
    const st = statSync(file);
    const write = (inputs: Record<string, [number, number]>, root = ROOT) => writeFileSync(join(dist, 'build.json'), JSON.stringify({ root, dir: 'b1', entry: 'main.js', inputs }));
    return { dist, file, rel, st, write };
  }

  it('runs a build only while every source it was made from is unchanged', () => {
    const { dist, file, rel, st, write } = fakeBuild('fake');
    expect(freshBuild(dist)).toEqual({ url: null, reason: expect.stringMatching(/^no build/) });
    write({ [rel]: [st.mtimeMs, st.size] });
    expect(freshBuild(dist)).toEqual({ url: expect.stringMatching(/\/fake\/b1\/main\.js$/), reason: 'fresh' });
    // An edit (or a checkout) gives the file a new mtime.
    utimesSync(file, new Date(), new Date());
    expect(freshBuild(dist)).toEqual({ url: null, reason: `${rel} changed since the build` });
    // Same mtime, other size (an mtime-preserving copy).
    const now = statSync(file);
    write({ [rel]: [now.mtimeMs, now.size + 1] });
    expect(freshBuild(dist).reason).toBe(`${rel} changed since the build`);
    // A file edited while the build read it is recorded as -1: stale from the start.
    write({ [rel]: [-1, now.size] });
    expect(freshBuild(dist).url).toBeNull();
    write({ [rel]: [now.mtimeMs, now.size], 'cli/gone-since.ts': [1, 1] });
    expect(freshBuild(dist).reason).toBe('cli/gone-since.ts is gone since the build');
    write({ [rel]: [now.mtimeMs, now.size] }, '/somewhere/else');
    expect(freshBuild(dist).url).toBeNull();
    write({ [rel]: [now.mtimeMs, now.size] });
    expect(freshBuild(dist).reason).toBe('fresh');
    process.env.TILLSYNC_NO_DIST = '1';
    try {
      expect(freshBuild(dist)).toEqual({ url: null, reason: 'TILLSYNC_NO_DIST=1' });
    } finally {
      delete process.env.TILLSYNC_NO_DIST;
    }
  });
});
