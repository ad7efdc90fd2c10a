/**
 * Writes `test/durations.json` (each test file's duration in ms, longest first) from vitest's cache
 * of the last run, for `test/support/duration-sequencer.ts`. Run after a full `npm test` on a quiet
 * machine: `npm run test:durations`.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const cacheDir = 'node_modules/.vite/vitest';
const runs = readdirSync(cacheDir, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'vitest-cache-backup');
const out: Record<string, number> = {};
for (const d of runs) {
  const { results } = JSON.parse(readFileSync(join(cacheDir, d.name, 'results.json'), 'utf8')) as { results: [string, { duration?: number }][] };
  for (const [key, r] of results) if (r.duration !== undefined) out[key.slice(key.indexOf(':') + 1)] = Math.round(r.duration);
}
const sorted = Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
writeFileSync('test/durations.json', `${JSON.stringify(sorted, null, 1)}\n`);
console.log(`test/durations.json: ${Object.keys(sorted).length} files`);
