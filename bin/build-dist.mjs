#!/usr/bin/env node
// Bundles the CLI (cli/main.ts and everything it imports, split at each `await import()`) into
// dist/ so that bin/tillsync.mjs can start without tsx's loader thread and per-file transform
// (about 0.4 s of CPU before the first line of our code). npm runs this on `npm ci`/`npm install`
// (the `prepare` script), before `npm start` and before `npm test`. A build that no longer matches
// its sources is never run: see bin/dist-build.mjs and docs/start-up.md.
//
// Packages stay external (Node loads them from node_modules as usual: native better-sqlite3,
// pdfkit's font files, CommonJS requires all keep working), except the pure-ESM libraries in
// BUNDLED and what they import: Node resolving and reading their hundreds of files one by one
// costs more than the rest of a light command (kysely: 260 files). Each of our files keeps its own
// import.meta.url (rewritten to its source location), so `new URL('./assets', import.meta.url)`,
// workers and createRequire resolve beside the source file as they do under tsx.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DIST, ROOT, freshBuild } from './dist-build.mjs';

/** Builds kept beside the current one, so a long-running `server start` can still load its lazy chunks after a rebuild. */
const KEEP_OLD_BUILDS = 3;

/** Pure-ESM libraries (no native code, no files read beside themselves) bundled with their own imports. */
const BUNDLED = new Set(['kysely', 'rxdb', 'rxjs', 'zod', 'decimal.js', '@deno/kv']);
/**
 * The native half of a bundled library: left to Node where it is (its loader finds the .node file
 * beside itself), imported by absolute path from the chunk. @deno/kv's JavaScript is ~60 small
 * files that cost a till command ~40 ms to resolve and read one by one.
 */
const NATIVE_LOADERS = /[\\/]@deno[\\/]kv[\\/]esm[\\/]_napi_index\.cjs$/;
const packageOf = (spec) => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
const fromNodeModules = (p) => p.includes(`${sep}node_modules${sep}`);

/**
 * Libraries whose package.json sends the "node" condition to a CommonJS build although an ESM one
 * ships beside it: their ESM build is bundled instead (tree-shaken, and ~0.1 s less CPU for
 * `till status`, which loads RxDB's query engine).
 */
const PREFER_ESM = new Set(['mingo', 'rxjs']);

/** The file the package's `exports` map gives for `spec` without the "node"/"require" conditions. */
function esmEntry(spec, resolveDir) {
  const name = packageOf(spec);
  const pkgJson = createRequire(join(resolveDir, 'x.js')).resolve(`${name}/package.json`);
  const sub = `.${spec.slice(name.length)}`;
  let target = JSON.parse(readFileSync(pkgJson, 'utf8')).exports?.[sub];
  while (target && typeof target === 'object') target = target.import ?? target.default;
  return typeof target === 'string' ? join(dirname(pkgJson), target) : undefined;
}

/** Bare imports: bundled when the package is in BUNDLED or the import comes from a bundled package's own code; else left to Node. */
const selectivePackages = {
  name: 'selective-packages',
  setup(b) {
    b.onResolve({ filter: /_napi_index\.cjs$/ }, (args) => {
      const path = resolve(args.resolveDir, args.path);
      return NATIVE_LOADERS.test(path) ? { path, external: true } : undefined;
    });
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || builtinModules.includes(args.path.split('/')[0])) return { path: args.path, external: true };
      if (PREFER_ESM.has(packageOf(args.path))) {
        const path = esmEntry(args.path, args.resolveDir);
        if (path) return { path };
      }
      if (BUNDLED.has(packageOf(args.path)) || fromNodeModules(args.importer)) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/** Gives each bundled file of ours its own import.meta.url/dirname/filename (the source file's). */
const sourceLocation = {
  name: 'source-import-meta',
  setup(b) {
    b.onLoad({ filter: /\.(ts|mts|js|mjs)$/ }, (args) => {
      if (fromNodeModules(args.path)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta')) return undefined;
      const url = JSON.stringify(pathToFileURL(args.path).href);
      const contents = text
        .replace(/\bimport\.meta\.url\b/g, url)
        .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(dirname(args.path)))
        .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(args.path));
      return { contents, loader: args.path.endsWith('ts') ? 'ts' : 'js' };
    });
  },
};

/** Builds into `dist` (default ROOT/dist) and makes it the current build there; returns its manifest. */
export async function buildDist({ quiet = false, dist = DIST } = {}) {
  const started = Date.now();
  const id = `build-${started}-${process.pid}`;
  const out = join(dist, id);
  mkdirSync(dist, { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { main: 'cli/main.ts' },
    outdir: out,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    metafile: true,
    sourcemap: 'linked',
    minifyWhitespace: true,
    minifySyntax: true,
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: quiet ? 'error' : 'warning',
    plugins: [selectivePackages, sourceLocation],
  });
  // Inputs with their size and mtime: a changed, moved or deleted source makes the build stale.
  // A file edited while esbuild read it (mtime after the start) is recorded as already stale.
  // A bundled library is watched through its package.json (npm rewrites it on every install).
  const watched = new Set();
  for (const rel of Object.keys(result.metafile.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(rel);
    watched.add(m ? `${m[1]}/package.json` : rel);
  }
  const inputs = {};
  for (const rel of [...watched].sort()) {
    const st = statSync(join(ROOT, rel));
    inputs[rel] = st.mtimeMs >= started ? [-1, st.size] : [st.mtimeMs, st.size];
  }
  const manifest = { root: ROOT, dir: id, entry: 'main.js', builtAt: new Date(started).toISOString(), inputs };
  const file = join(dist, 'build.json');
  writeFileSync(`${file}.tmp-${process.pid}`, JSON.stringify(manifest));
  renameSync(`${file}.tmp-${process.pid}`, file);
  const old = readdirSync(dist).filter((d) => d.startsWith('build-') && d !== id).sort((a, b) => Number(b.split('-')[1]) - Number(a.split('-')[1]));
  for (const d of old.slice(KEEP_OLD_BUILDS)) rmSync(join(dist, d), { recursive: true, force: true });
  if (!quiet) console.error(`tillsync: built ${relative(ROOT, out)} (${Object.keys(inputs).length} sources) in ${Date.now() - started} ms`);
  return manifest;
}

// `node bin/build-dist.mjs [--if-stale] [--quiet]`: --if-stale keeps a build that still matches the sources.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const quiet = process.argv.includes('--quiet');
  if (process.argv.includes('--if-stale') && freshBuild().url) {
    if (!quiet) console.error('tillsync: dist/ is up to date');
  } else await buildDist({ quiet });
}
