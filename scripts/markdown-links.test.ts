/**
 * Every local link in README.md and docs/*.md points at a file that exists and, for a Markdown
 * file, at a heading or anchor it has: docs move and headings change, readers should not find out.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { anchorsOf, brokenLinks, linksOf, slugOf } from './markdown-links.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = [join(root, 'README.md'), ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(root, 'docs', f))];

describe('markdown links', () => {
  it('follows GitHub anchors: code marks and punctuation dropped, repeats numbered', () => {
    expect(slugOf('`tillsync server config check`')).toBe('tillsync-server-config-check');
    expect(slugOf('FEC — LPF A47 A-1, BOI-CF-IOR-60-40-20')).toBe('fec--lpf-a47-a-1-boi-cf-ior-60-40-20');
    expect(slugOf("The till's local API")).toBe('the-tills-local-api');
    expect([...anchorsOf('# Speed\n\n## Speed\n```\n# not a heading\n```\n<a id="x"></a>')]).toEqual(['speed', 'speed-1', 'x']);
    expect(linksOf('[a](b.md#c) `[no](code.md)`\n```\n[no](fence.md)\n```')).toEqual([{ line: 1, target: 'b.md#c' }]);
  });

  it('reports a missing file and a missing anchor, naming file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'md-links-'));
    writeFileSync(join(dir, 'b.md'), '# Only heading\n');
    writeFileSync(join(dir, 'a.md'), '# A\n\n[ok](b.md#only-heading) [ok](#a) [web](https://example.com/x.md)\n[gone](c.md)\n[bad](b.md#nope)\n');
    const broken = brokenLinks(join(dir, 'a.md'));
    expect(broken.map((b) => [b.line, b.target])).toEqual([[4, 'c.md'], [5, 'b.md#nope']]);
  });

  it('finds no broken local link in README.md and docs/*.md', () => {
    expect(files.length).toBeGreaterThan(5);
    const broken = files.flatMap(brokenLinks).map((b) => `${b.file.slice(root.length)}:${b.line}: ${b.target} (${b.reason})`);
    expect(broken).toEqual([]);
  });
});
