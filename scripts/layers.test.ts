import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { engineBranches, layerBreaches } from './layers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('layer rules', () => {
  it('hold for every product file', () => {
    expect(layerBreaches(ROOT)).toEqual([]);
  });

  it('catch a breach, static or dynamic', () => {
    const root = mkdtempSync(join(tmpdir(), 'tillsync-layers-'));
    try {
      for (const d of ['sync', 'client/store', 'server', 'pilots']) mkdirSync(join(root, d), { recursive: true });
      writeFileSync(join(root, 'client/store/x.ts'), "import { sql } from 'kysely';\nexport const a = 1;\n");
      writeFileSync(join(root, 'server/y.ts'), "export async function f() { return import('../client/sale.ts'); }\n");
      writeFileSync(join(root, 'sync/z.ts'), "import type { Db } from '../server/db/database.ts';\n");
      writeFileSync(join(root, 'pilots/ok.ts'), "import { D } from '../sync/money.ts';\n");
      expect(layerBreaches(root).map((b) => `${b.file} → ${b.imports}`).sort()).toEqual(['client/store/x.ts → kysely', 'server/y.ts → ../client/sale.ts', 'sync/z.ts → ../server/db/database.ts']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('engine branches', () => {
  it('stay in the two stores and the database layer (server/db/store.ts)', () => {
    expect(engineBranches(ROOT)).toEqual([]);
  });

  it('are caught anywhere else, naming file and line', () => {
    const root = mkdtempSync(join(tmpdir(), 'tillsync-engines-'));
    try {
      for (const d of ['server/db', 'server/accounting', 'cli']) mkdirSync(join(root, d), { recursive: true });
      writeFileSync(join(root, 'server/db/sqlite-store.ts'), "import { dbKind } from './dialect.ts';\n");
      writeFileSync(join(root, 'server/accounting/x.ts'), "import { sql } from 'kysely';\nif (dbKind(db) === 'postgres') q = q.forUpdate();\n");
      writeFileSync(join(root, 'server/accounting/x.test.ts'), "const h = sqliteHandleOf(db);\n");
      writeFileSync(join(root, 'cli/y.ts'), "const h = sqliteHandleOf(db);\nif (storeOf(db).kind === 'sqlite') return;\n");
      expect(engineBranches(root).map((b) => `${b.file}:${b.line}`).sort()).toEqual(['cli/y.ts:1', 'cli/y.ts:2', 'server/accounting/x.ts:2']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
