import { describe, expect, it } from 'vitest';
import { parsePilot } from './pilot-parser.ts';

describe('parsePilot', () => {
  it('reads the seed mail pilot: comments skipped, steps with their line numbers', () => {
    const text = '; Ceci est un fichier pilote\r\n;nom hop;mot cle {Fichier txt cree sauve dans zechange}\r\npvppreco1.dhop,reco1\r\npvppsendmail.dhop,SENDMD\r\n';
    const { steps, errors } = parsePilot(text);
    expect(errors).toEqual([]);
    expect(steps).toEqual([
      { line: 3, action: 'pvppreco1.dhop', args: ['reco1'], text: 'pvppreco1.dhop,reco1' },
      { line: 4, action: 'pvppsendmail.dhop', args: ['SENDMD'], text: 'pvppsendmail.dhop,SENDMD' },
    ]);
  });

  it('keeps empty arguments: pvpplib.dhop,, is two empty arguments', () => {
    const { steps } = parsePilot('\uFEFFpvpplib.dhop,,\n');
    expect(steps[0]).toMatchObject({ line: 1, action: 'pvpplib.dhop', args: ['', ''] });
  });

  it('cuts a trailing comment and trims blanks around arguments', () => {
    const { steps } = parsePilot('  send , mail , a b.zip  ; then intake\n\n\nintake\n');
    expect(steps.map((s) => [s.line, s.action, s.args])).toEqual([
      [1, 'send', ['mail', 'a b.zip']],
      [4, 'intake', []],
    ]);
  });

  it('reports malformed lines with their numbers and keeps parsing', () => {
    const { steps, errors } = parsePilot('extract\n,reco1\nbad name,x\nclose\n');
    expect(errors).toEqual([
      { line: 2, message: expect.stringContaining('action name is missing') },
      { line: 3, message: expect.stringContaining('"bad name" is not an action name') },
    ]);
    expect(steps.map((s) => s.line)).toEqual([1, 4]);
  });
});
