import { describe, expect, it } from 'vitest';
import { ACTIONS, dateWord, findAction, LAST_FILE, PlanError, type PlanInput } from './actions.ts';

const NOW = new Date(2026, 2, 1, 21, 30); // 1 March 2026, 21:30 local
const VALUES = { tillData: '/t', serverData: '/s', lanDir: '/lan', mailTo: 'a@b.example, c@d.example', smtpUrl: 'smtp://m:25', serverUrl: 'http://srv:8480', mailList: '/l/m.txt', filesList: '/l/f.txt' };

function plan(line: string, values: Record<string, string> = VALUES, hasLastFile = true) {
  const [name, ...args] = line.split(',');
  const spec = findAction(name!)!;
  const input: PlanInput = { args, values, hasLastFile, resolve: (p) => `/pilot/${p}`, now: NOW };
  return spec.plan(input).map((o) => (o.kind === 'cli' ? o.argv.join(' ') : o.kind === 'load-defaults' ? `load ${o.file}` : o.kind));
}

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof PlanError) return e.message;
    throw e;
  }
  return 'accepted';
}

describe('pilot actions', () => {
  it('map each native action to its tillsync command line, filled from the defaults', () => {
    expect(plan('extract')).toEqual(['till extract --data /t --kind degraded --out /t/packages']);
    expect(plan('extract,untransferred', { ...VALUES, outDir: '/zechange' })).toEqual(['till extract --data /t --kind untransferred --out /zechange']);
    expect(plan('send,lan')).toEqual([`till send --data /t --lan /lan ${LAST_FILE}`]);
    expect(plan('send,mail,p.zip')).toEqual(['till send --data /t --mail a@b.example,c@d.example --smtp smtp://m:25 /pilot/p.zip']);
    expect(plan('send,http')).toEqual([`till send --data /t --lan http://srv:8480 ${LAST_FILE}`]);
    expect(plan('intake', { ...VALUES, serverDb: 'postgres://x/y' })).toEqual([`server intake --data /s --db postgres://x/y ${LAST_FILE}`]);
    expect(plan('integrate,today')).toEqual(['server integrate --data /s --until today']);
    expect(plan('post')).toEqual(['server post --data /s --until yesterday']);
    expect(plan('letter')).toEqual(['server letter --data /s']);
    expect(plan('export,csv')).toEqual(['server export --data /s --format csv --from 2026-02-01 --to 2026-02-28']);
    expect(plan('nightly')).toEqual([
      'server integrate --data /s',
      'server post --data /s --until yesterday',
      'server letter --data /s',
      'server export --data /s --format fec --from 2026-02-01 --to 2026-02-28',
    ]);
    expect(plan('close')).toEqual(['till close --data /t']);
    expect(plan('publish-base,mail')).toEqual(['server publish-base --data /s --mail-list /l/m.txt --smtp smtp://m:25 --files /l/f.txt']);
    expect(plan('publish-base,lan', { serverData: '/s', lanDir: '/lan' })).toEqual(['server publish-base --data /s --lan /lan']);
    expect(plan('apply-base', { tillData: '/t', baseInbox: '/fcomp' })).toEqual(['till apply-base --data /t /fcomp']);
    expect(plan('apply-base', { tillData: '/t' })).toEqual([`till apply-base --data /t ${LAST_FILE}`]);
    expect(plan('status,server')).toEqual(['server status --data /s']);
    expect(plan('defaults,x.txt')).toEqual(['load /pilot/x.txt']);
    expect(plan('defaults')).toEqual(['restore-defaults']);
  });

  it('map the seed program names through the keyword values', () => {
    expect(plan('pvppreco1.dhop,reco1', { ...VALUES, kind: 'degraded' })).toEqual(['till extract --data /t --kind degraded --out /t/packages']);
    expect(plan('pvppsendmail.dhop,SENDMD', { ...VALUES, via: 'mail' })).toEqual([`till send --data /t --mail a@b.example,c@d.example --smtp smtp://m:25 ${LAST_FILE}`]);
    expect(plan('pvppsendmail.dhop,SENDMT,x@y.example', { ...VALUES, via: 'mail' })).toEqual([`till send --data /t --mail x@y.example --smtp smtp://m:25 ${LAST_FILE}`]);
    expect(plan('pvppreco2.dhop,reco2', { ...VALUES, via: 'lan', intake: 'yes', integrate: 'oui', until: 'today' })).toEqual([
      `till send --data /t --lan /lan ${LAST_FILE}`,
      `server intake --data /s ${LAST_FILE}`,
      'server integrate --data /s --until today',
    ]);
    // On one machine without a drop folder the server takes the package where it lies.
    expect(plan('pvppreco2.dhop,reco2', { tillData: '/t', serverData: '/s', intake: 'yes', integrate: 'no' })).toEqual([`server intake --data /s ${LAST_FILE}`]);
    expect(plan('pvpplib.dhop,implicitestpv.txt')).toEqual(['load /pilot/implicitestpv.txt']);
    expect(findAction('PVPPLIB.DHOP')?.name).toBe('pvpplib.dhop');
  });

  it('refuse what cannot run, saying which default or file is missing', () => {
    expect(refusal(() => plan('extract', { serverData: '/s' }))).toContain('extract needs the default "tillData"');
    expect(refusal(() => plan('send,mail', { tillData: '/t', smtpUrl: 'smtp://m' }))).toContain('"mailTo"');
    expect(refusal(() => plan('send,pigeon'))).toContain('send by "pigeon" is unknown');
    expect(refusal(() => plan('intake', VALUES, false))).toContain('intake has no file');
    expect(refusal(() => plan('extract,everything'))).toContain('extract kind "everything" is unknown');
    expect(refusal(() => plan('export,fec,last-week'))).toContain('"last-week" is not a date');
  });

  it('has one documented usage per action and no duplicate names', () => {
    const names = ACTIONS.map((a) => a.name.toLowerCase());
    expect(new Set(names).size).toBe(names.length);
    for (const a of ACTIONS) expect(a.usage.startsWith(a.name)).toBe(true);
  });

  it('reads date words against the local day', () => {
    expect(dateWord('today', NOW)).toBe('2026-03-01');
    expect(dateWord('yesterday', NOW)).toBe('2026-02-28');
    expect(dateWord('month-start', NOW)).toBe('2026-02-01');
    expect(dateWord('month-start', new Date(2026, 2, 15))).toBe('2026-03-01');
    expect(dateWord('2026-01-31', NOW)).toBe('2026-01-31');
  });
});
