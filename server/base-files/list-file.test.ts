import { describe, expect, it } from 'vitest';
import { parseListFile } from './list-file.ts';
import { isTillsyncError } from '../../sync/errors.ts';

function refusal(text: string, kind: 'mail' | 'files' = 'mail'): { message: string; line?: number } {
  try {
    parseListFile(text, 'pvpplstmail.txt', kind);
  } catch (e) {
    if (!isTillsyncError(e)) throw e;
    return { message: e.message, line: e.ref.line };
  }
  throw new Error('expected a refusal');
}

describe('parseListFile', () => {
  it('returns the items between DEBUT LISTE and FIN LISTE with their lines', () => {
    const items = parseListFile('DEBUT LISTE\r\ncaisse01@magasin.example\n; la caisse 2\ncaisse02@magasin.example\nFIN LISTE\r\n', 'l.txt', 'mail');
    expect(items).toEqual([
      { line: 2, value: 'caisse01@magasin.example' },
      { line: 4, value: 'caisse02@magasin.example' },
    ]);
  });

  it('accepts any case and extra blanks in the markers', () => {
    expect(parseListFile('debut  liste\narticles\n fin liste \n', 'f.txt', 'files')).toEqual([{ line: 2, value: 'articles' }]);
  });

  it('refuses a list whose FIN LISTE is missing, naming the file and the last line', () => {
    const r = refusal('DEBUT LISTE\na@b.example\nc@d.example\n');
    expect(r.message).toBe('pvpplstmail.txt line 3: "FIN LISTE" is missing at the end of the list');
    expect(r.line).toBe(3);
  });

  it('refuses a list that does not start with DEBUT LISTE, naming the line', () => {
    const r = refusal('\n\na@b.example\nFIN LISTE\n');
    expect(r.message).toContain('line 3: expected "DEBUT LISTE", found "a@b.example"');
  });

  it('refuses anything after FIN LISTE and a bad address, naming the line', () => {
    expect(refusal('DEBUT LISTE\na@b.example\nFIN LISTE\nz@y.example\n').message).toContain('line 4: "z@y.example" comes after "FIN LISTE"');
    expect(refusal('DEBUT LISTE\nnot an address\nFIN LISTE\n').message).toContain('line 2: "not an address" is not a mail address');
  });

  it('refuses an empty list and an empty file', () => {
    expect(refusal('DEBUT LISTE\nFIN LISTE\n').message).toContain('line 2: the list holds nothing');
    expect(refusal('').message).toContain('the list is empty');
  });
});
