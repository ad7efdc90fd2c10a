import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { layerBreaches } from './layers.ts';

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
