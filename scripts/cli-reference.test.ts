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

describe('CLI reference (docs/cli.md)', () => {
  it('is current: regenerated from buildProgram([]) it is byte for byte the checked-in file', async () => {
    const fresh = renderCliReference(await buildProgram([]));
    const checkedIn = readFileSync(CLI_REFERENCE_PATH, 'utf8');
    if (fresh !== checkedIn) {
      const a = fresh.split('\n');
      const b = checkedIn.split('\n');
      const i = a.findIndex((line, n) => line !== b[n]);
      expect.fail(`docs/cli.md is not current (first difference at line ${i + 1}: expected "${a[i] ?? ''}", found "${b[i] ?? ''}"): run npm run docs:cli and commit docs/cli.md`);
    }
  });

  it('covers every command and subcommand, each with an anchor, and every option of each', async () => {
    const program = await buildProgram([]);
    const text = renderCliReference(program);
    const anchors = anchorsOf(text);
    const walk = (cmd: typeof program, path: string[]): void => {
      for (const sub of cmd.commands) {
        const full = [...path, sub.name()];
        expect(anchors, full.join(' ')).toContain(full.join('-'));
        for (const o of sub.options) if (!o.hidden) expect(text, `${full.join(' ')} ${o.flags}`).toContain(`| \`${o.flags}\` |`);
        walk(sub, full);
      }
    };
    walk(program, ['tillsync']);
    // Spot checks a reader relies on: a default value and a required option show as such.
    expect(text).toMatch(/\| `--articles <n>` \| number of demo articles[^|]*\| `300` \|/);
    expect(text).toMatch(/\| `--data <dir>` \| required: till folder \|/);
  });
});
