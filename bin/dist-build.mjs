// Which bundled build of the CLI, if any, may run. bin/build-dist.mjs writes dist/build.json naming
// the build and every source file it was made from (and the package.json of each library bundled
// in) with its size and mtime; a build runs only when all of them are unchanged and the checkout
// has not moved, otherwise bin/tillsync.mjs runs the sources through tsx. Stat-ing the ~450 files
// costs ~5 ms of CPU; a stale build never runs.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist');

/**
 * The URL of the built entry when the build in `dist` matches the sources, else null with the reason.
 * TILLSYNC_NO_DIST=1 always answers null (run the sources, e.g. to bisect a build problem).
 */
export function freshBuild(dist = DIST) {
  if (process.env.TILLSYNC_NO_DIST === '1') return { url: null, reason: 'TILLSYNC_NO_DIST=1' };
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dist, 'build.json'), 'utf8'));
  } catch {
    return { url: null, reason: 'no build (npm ci or node bin/build-dist.mjs makes it)' };
  }
  // Every start runs this loop (~450 files): plain concatenation and no exception per file keep it
  // at ~5 ms of CPU (path.join and a try/catch per stat cost twice that).
  const root = `${manifest.root}/`;
  const inputs = manifest.inputs;
  for (const rel in inputs) {
    const st = statSync(root + rel, { throwIfNoEntry: false });
    if (st === undefined) return { url: null, reason: `${rel} is gone since the build` };
    if (st.mtimeMs !== inputs[rel][0] || st.size !== inputs[rel][1]) return { url: null, reason: `${rel} changed since the build` };
  }
  if (manifest.root !== ROOT) return { url: null, reason: `built from ${manifest.root}` };
  return { url: pathToFileURL(join(dist, manifest.dir, manifest.entry)).href, reason: 'fresh' };
}
