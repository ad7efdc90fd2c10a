import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CRASH_ENV } from './crash-points.ts';

const MODULE = fileURLToPath(new URL('./crash-points.ts', import.meta.url));
const reach = (point: string, env: string | undefined) =>
  spawnSync(process.execPath, ['--import', 'tsx', '-e', `import(${JSON.stringify(MODULE)}).then((m) => { m.crashPoint(${JSON.stringify(point)}); console.log('alive'); })`], {
    env: { ...process.env, [CRASH_ENV]: env ?? '' },
    encoding: 'utf8',
  });

describe('crash points', () => {
  it('kill the process at the named point only', () => {
    const killed = reach('export:mid-file', 'export:mid-file');
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stdout).toBe('');
    const other = reach('export:after-rename', 'export:mid-file');
    expect([other.signal, other.stdout.trim()]).toEqual([null, 'alive']);
    expect(reach('export:mid-file', undefined).stdout.trim()).toBe('alive');
  });
});
