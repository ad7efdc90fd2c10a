import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compiledStylesheet } from './einvoice-validators.ts';

describe('the compiled stylesheets cache', () => {
  it('takes over the lock of a compiler that died, compiles once, and leaves no lock behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tillsync-sef-test-'));
    try {
      // A stylesheet of its own (a unique comment): its cache entry is new to this machine.
      const xslt = join(dir, 'tiny.xslt');
      writeFileSync(xslt, `<xsl:stylesheet version="3.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"><!-- ${process.pid} ${Date.now()} --><xsl:template match="/"><ok/></xsl:template></xsl:stylesheet>`);
      const hash = createHash('sha256').update(readFileSync(xslt)).digest('hex').slice(0, 24);
      const file = join(tmpdir(), 'tillsync-sef', `${hash}.sef.json`);
      // The lock of a worker killed mid-compile: its pid no longer runs.
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(`${file}.lock`, dead);
      try {
        expect(compiledStylesheet(xslt)).toBeTruthy();
        expect(existsSync(file)).toBe(true);
        expect(existsSync(`${file}.lock`)).toBe(false);
      } finally {
        rmSync(file, { force: true });
        rmSync(`${file}.lock`, { force: true });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
