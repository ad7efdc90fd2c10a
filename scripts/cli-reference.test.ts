/**
 * docs/cli.md is generated from the commander definitions (scripts/cli-reference.ts); this test
 * regenerates it in memory and fails when the checked-in file is not the current output, so a
 * changed flag cannot reach main without its reference.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../cli/main.ts';
import { anchorsOf } from './markdown-links.ts';
import { CLI_REFERENCE_PATH, renderCliReference } from './cli-reference.ts';

/** The lines under a command's heading, up to the next heading. */
function sectionOf(text: string, command: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^#+ /.test(l) && l.endsWith(`\`${command}\``));
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l));
  return start < 0 ? [] : lines.slice(start, end < 0 ? undefined : end);
}

describe('CLI reference (docs/cli.md)', () => {
  it('is current: regenerated from buildProgram([]) it is byte for byte the checked-in file', async () => {
    const fresh = renderCliReference(await buildProgram([]));
    const checkedIn = readFileSync(CLI_REFERENCE_PATH, 'utf8');
    if (fresh !== checkedIn) {
      const a = fresh.split('\n');
      const b = checkedIn.split('\n');
      const found = a.findIndex((line, n) => line !== b[n]);
      const i = found < 0 ? a.length : found; // the checked-in file is longer
      expect.fail(`docs/cli.md is not current (first difference at line ${i + 1}: expected "${a[i] ?? ''}", found "${b[i] ?? ''}"): run npm run docs:cli and commit docs/cli.md`);
    }
  });

  it('covers every command and subcommand, each with an anchor, and every option with its default and whether it is required', async () => {
    const program = await buildProgram([]);
    const text = renderCliReference(program);
    const anchors = anchorsOf(text);
    let options = 0;
    let withDefault = 0;
    let required = 0;
    const walk = (cmd: typeof program, path: string[]): void => {
      for (const sub of cmd.commands) {
        const full = [...path, sub.name()];
        expect(anchors, full.join(' ')).toContain(full.join('-'));
        for (const o of sub.options.filter((x) => !x.hidden)) {
          const row = sectionOf(text, full.join(' ')).find((line) => line.startsWith(`| \`${o.flags}\` |`));
          expect(row, `${full.join(' ')} ${o.flags}`).toBeDefined();
          options += 1;
          if (o.mandatory) {
            required += 1;
            expect(row).toContain('| required: ');
          }
          if (o.defaultValue !== undefined && o.defaultValue !== false && !o.defaultValueDescription) {
            withDefault += 1;
            expect(row).toMatch(new RegExp(`\\| \`${String(o.defaultValue).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\` \\|$`));
          }
        }
        walk(sub, full);
      }
    };
    walk(program, ['tillsync']);
    // The tree is the product's: dozens of commands, hundreds of options, some required, some defaulted.
    expect(options).toBeGreaterThan(100);
    expect(required).toBeGreaterThan(10);
    expect(withDefault).toBeGreaterThan(5);
  });
});
