// Which bundled build of the CLI, if any, may run. bin/build-dist.mjs writes dist/build.json naming
// the build and every source file it was made from (and the package.json of each library bundled
// in) with its size and mtime; a build runs only when all of them are unchanged and the checkout
// has not moved, otherwise bin/tillsync.mjs runs the sources through tsx. Stat-ing the ~330 files
// costs a few milliseconds; a stale build never runs.
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
  for (const [rel, [mtimeMs, size]] of Object.entries(manifest.inputs)) {
    let st;
    try {
      st = statSync(join(manifest.root, rel));
    } catch {
      return { url: null, reason: `${rel} is gone since the build` };
    }
    if (st.mtimeMs !== mtimeMs || st.size !== size) return { url: null, reason: `${rel} changed since the build` };
  }
  if (manifest.root !== ROOT) return { url: null, reason: `built from ${manifest.root}` };
  return { url: pathToFileURL(join(dist, manifest.dir, manifest.entry)).href, reason: 'fresh' };
}
