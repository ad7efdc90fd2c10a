/**
 * Rules every test file keeps (docs/developer.md, "Tests"):
 * - no test left out or singled out (`.skip`, `.only`, `.todo`; `runIf` stays for what needs
 *   PostgreSQL, which TILLSYNC_TEST_NO_PG=1 turns off knowingly);
 * - no module replaced (`vi.mock`, `vi.doMock`): workers run many files one after the other with
 *   one module graph (`isolate: false`), so a replaced module would leak into the files after it,
 *   or not be replaced at all when an earlier file loaded the original.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const RULES: { pattern: RegExp; why: string }[] = [
  { pattern: /\b(?:it|test|describe|suite)(?:\.each\([^)]*\))?\.(?:skip|only|todo)\b/, why: 'every test runs: no test left out or singled out' },
  { pattern: /\bvi\.(?:mock|doMock|unmock|doUnmock|importMock)\(/, why: 'no module replaced: workers share one module graph (pass a hook instead)' },
];

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git']);

function* testFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name) || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* testFiles(p);
    else if (name.endsWith('.test.ts')) yield p;
  }
}

export interface TestRuleBreach {
  file: string;
  line: number;
  why: string;
}

export function testRuleBreaches(root: string): TestRuleBreach[] {
  const out: TestRuleBreach[] = [];
  for (const file of testFiles(root)) {
    readFileSync(file, 'utf8').split('\n').forEach((text, i) => {
      for (const r of RULES) if (r.pattern.test(text)) out.push({ file: relative(root, file).split(/[\\/]/).join('/'), line: i + 1, why: r.why });
    });
  }
  return out;
}
