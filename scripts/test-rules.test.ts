import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { testRuleBreaches } from './test-rules.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('test rules', () => {
  it('hold for every test file', () => {
    expect(testRuleBreaches(ROOT)).toEqual([]);
  });

  it('catch a left-out test and a replaced module, naming file and line', () => {
    const root = mkdtempSync(join(tmpdir(), 'tillsync-test-rules-'));
    try {
      mkdirSync(join(root, 'server'), { recursive: true });
      const skipped = ['it', 'skip'].join('.');
      const mocked = ['vi', 'mock'].join('.');
      writeFileSync(join(root, 'server/a.test.ts'), `${skipped}('x', () => {});\nit('y', () => {});\n`);
      writeFileSync(join(root, 'server/b.test.ts'), `import { vi } from 'vitest';\n${mocked}('./c.ts');\n`);
      writeFileSync(join(root, 'server/c.ts'), `${mocked}('./d.ts');\n`);
      expect(testRuleBreaches(root).map((b) => `${b.file}:${b.line}`).sort()).toEqual(['server/a.test.ts:1', 'server/b.test.ts:2']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
