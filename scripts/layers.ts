/**
 * The folder tells the layer (docs/developer.md, "Layer rules"): every import of every product file
 * checked against the rules. Static and dynamic imports, relative and package specifiers.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

export interface LayerRule {
  /** Files the rule applies to (first path segment). */
  from: string;
  /** What they must not import: a folder (first segment) or a package name. */
  forbidden: string[];
  why: string;
}

export const LAYER_RULES: LayerRule[] = [
  { from: 'sync', forbidden: ['client', 'server', 'pilots', 'cli', 'bench', 'drills', 'test'], why: 'sync/ is the contract both sides share' },
  { from: 'client', forbidden: ['server', 'pilots', 'bench', 'drills', 'test', 'kysely', 'better-sqlite3', 'pg'], why: 'the till never touches SQL nor the server' },
  { from: 'server', forbidden: ['client', 'pilots', 'bench', 'drills', 'test'], why: 'the server never imports the till' },
  { from: 'pilots', forbidden: ['bench', 'drills', 'test'], why: 'product code holds no proof tooling' },
];

const IMPORT = /(?:^|[^\w.])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function* tsFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* tsFiles(p);
    else if (/\.(ts|mjs|js)$/.test(name) && !name.endsWith('.test.ts')) yield p;
  }
}

export interface LayerBreach {
  file: string;
  imports: string;
  why: string;
}

export function layerBreaches(root: string): LayerBreach[] {
  const out: LayerBreach[] = [];
  for (const rule of LAYER_RULES) {
    for (const file of tsFiles(join(root, rule.from))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(IMPORT)) {
        const spec = m[1] ?? m[2];
        const target = spec.startsWith('.') ? relative(root, normalize(join(dirname(file), spec))).split(/[\\/]/)[0] : spec.split('/')[0];
        if (rule.forbidden.includes(target)) out.push({ file: relative(root, file), imports: spec, why: rule.why });
      }
    }
  }
  return out;
}

/**
 * Where the SQL engine may be asked which it is: its two stores (server/db/store.ts tells why),
 * the database's opening (where the store is chosen), the dialect helpers and the migrations'
 * bookkeeping. Everywhere else a difference between SQLite and PostgreSQL is an operation of the
 * store interface, tested on both engines by its conformance suite.
 */
export const ENGINE_FILES = ['server/db/store.ts', 'server/db/sqlite-store.ts', 'server/db/postgres-store.ts', 'server/db/database.ts', 'server/db/dialect.ts', 'server/db/migrations.ts'];
const PRODUCT = ['server', 'client', 'sync', 'cli', 'pilots'];
const ENGINE_BRANCH = /\bdbKind\b|\bsqliteHandleOf\b|\.kind\s*[!=]==?\s*['"](?:postgres|sqlite)['"]/;

export interface EngineBranch {
  file: string;
  line: number;
  text: string;
}

/** Lines of product files outside ENGINE_FILES that ask which engine they run on. */
export function engineBranches(root: string): EngineBranch[] {
  const out: EngineBranch[] = [];
  for (const top of PRODUCT) {
    let files: Generator<string>;
    try {
      statSync(join(root, top));
      files = tsFiles(join(root, top));
    } catch {
      continue;
    }
    for (const file of files) {
      const rel = relative(root, file).split(/[\\/]/).join('/');
      if (ENGINE_FILES.includes(rel)) continue;
      readFileSync(file, 'utf8').split('\n').forEach((text, i) => {
        if (ENGINE_BRANCH.test(text)) out.push({ file: rel, line: i + 1, text: text.trim() });
      });
    }
  }
  return out;
}
