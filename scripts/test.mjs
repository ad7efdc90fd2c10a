#!/usr/bin/env node
// `npm test`: the type check and the test suite side by side. The suite keeps the two cores only
// ~70 % busy (tests wait on servers, browsers and child processes), so tsc's ~20 s of one core fits
// in the gaps instead of coming first. tsc's report is printed after the suite's; the exit code is
// non-zero if either failed. Arguments go to vitest (`npm test -- server/accounting`).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const bin = (pkg, file) => require.resolve(`${pkg}/${file}`);

const tsc = spawn(process.execPath, [bin('typescript', 'bin/tsc'), '--noEmit'], { stdio: ['ignore', 'pipe', 'pipe'] });
let tscOut = '';
tsc.stdout.on('data', (d) => (tscOut += d));
tsc.stderr.on('data', (d) => (tscOut += d));
const tscDone = new Promise((r) => tsc.on('close', (code) => r(code ?? 1)));

const vitest = spawn(process.execPath, [bin('vitest', 'vitest.mjs'), 'run', ...process.argv.slice(2)], { stdio: 'inherit' });
const vitestDone = new Promise((r) => vitest.on('close', (code) => r(code ?? 1)));

const [vitestCode, tscCode] = await Promise.all([vitestDone, tscDone]);
if (tscCode !== 0) process.stderr.write(`\ntsc --noEmit found type errors:\n${tscOut}`);
else process.stdout.write('tsc --noEmit: no type errors\n');
process.exit(vitestCode || tscCode);
