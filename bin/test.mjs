#!/usr/bin/env node
// `npm test`: the type check (tsc --noEmit) beside the test run (vitest run), not before it. The
// suite leaves about a quarter of two cores idle (its files wait on servers, browsers and child
// processes), and tsc's 20 s of CPU fit in that idle time instead of delaying the first test.
// tsc's output is printed when it ends, so that it does not cut through vitest's live report.
// Fails if either fails. Arguments go to vitest (`npm test -- server/db`).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = (name) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));

function run(name, args, quiet) {
  return new Promise((resolve) => {
    const child = spawn(bin(name), args, { stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let out = '';
    child.stdout?.on('data', (c) => (out += c));
    child.stderr?.on('data', (c) => (out += c));
    child.on('error', (e) => resolve({ code: 1, out: `${name}: ${e.message}\n` }));
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out }));
  });
}

const [tsc, vitest] = await Promise.all([
  run('tsc', ['--noEmit'], true).then((r) => {
    process.stdout.write(r.code === 0 ? 'tsc --noEmit: no type errors\n' : `${r.out}tsc --noEmit: type errors (above)\n`);
    return r;
  }),
  run('vitest', ['run', ...process.argv.slice(2)], false),
]);
process.exit(tsc.code || vitest.code);
