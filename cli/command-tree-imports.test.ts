// `tillsync --help` builds the whole command tree: every module it imports statically (cli/main.ts
// and each server feature's command file) must stay free of heavy libraries, or start-up grows back
// (a verb's action loads its implementation with `await import()`; see docs/developer.md "Start-up").
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../bin/dist-build.mjs';

/** The only packages the command definitions may load. */
const ALLOWED = new Set(['commander']);

async function importGraph(): Promise<Metafile['inputs']> {
  const r = await build({ absWorkingDir: ROOT, entryPoints: ['cli/main.ts'], bundle: true, write: false, format: 'esm', platform: 'node', packages: 'external', metafile: true, splitting: true, outdir: 'out', logLevel: 'silent' });
  return r.metafile.inputs;
}

/** Static closure from the roots: our modules reached, and the packages each one imports. */
function closure(inputs: Metafile['inputs'], roots: string[]) {
  const seen = new Set(roots);
  const queue = [...roots];
  const packages = new Map<string, string>();
  while (queue.length) {
    const file = queue.shift()!;
    for (const im of inputs[file].imports) {
      if (im.kind !== 'import-statement') continue;
      if (im.external) {
        if (!im.path.startsWith('.') && !im.path.startsWith('node:')) packages.set(im.path, file);
        continue;
      }
      if (!seen.has(im.path)) {
        seen.add(im.path);
        queue.push(im.path);
      }
    }
  }
  return { modules: seen, packages };
}

describe('the command tree', () => {
  it('imports no library but commander, whatever group --help shows', async () => {
    const inputs = await importGraph();
    // The top-level groups cli/main.ts loads for `tillsync --help`, and the server features
    // server/cli.ts loads for `tillsync --help` and `tillsync server --help`.
    const dynamic = (file: string) => inputs[file].imports.filter((i) => i.kind === 'dynamic-import').map((i) => i.path);
    const groups = dynamic('cli/main.ts');
    expect(groups).toEqual(expect.arrayContaining(['client/cli.ts', 'server/cli.ts', 'cli/demo.ts']));
    const features = dynamic('server/cli.ts');
    expect(features).toContain('server/intake/cli.ts');
    const { modules, packages } = closure(inputs, ['cli/main.ts', ...groups, ...features]);
    const heavy = [...packages].filter(([p]) => !ALLOWED.has(p)).map(([p, by]) => `${p} (imported by ${by})`);
    expect(heavy).toEqual([]);
    expect(packages.has('commander')).toBe(true);
    // Our own definition code stays small too (46 modules, against 264 before the split).
    expect(modules.size).toBeLessThan(80);
  });

  it('reaches zod only through sync/zod-mini.ts, anywhere in the CLI', async () => {
    // Classic zod keeps every method and all 46 locales alive in the bundle's shared zod chunk
    // (~500 KB that every command touching a config file compiled); zod/mini needs ~50 KB.
    const inputs = await importGraph();
    const classic = Object.entries(inputs).flatMap(([file, i]) => i.imports.filter((im) => im.path === 'zod' || im.path.startsWith('zod/v4/classic')).map(() => file));
    expect(classic).toEqual([]);
    const mini = Object.entries(inputs).flatMap(([file, i]) => i.imports.filter((im) => im.path.startsWith('zod')).map(() => file));
    expect(new Set(mini)).toEqual(new Set(['sync/zod-mini.ts']));
  });
});
