import { describe, expect, it } from 'vitest';
import { isPackageFileName, packageFileName, parsePackageFileName } from './package-format.ts';

describe('package file names', () => {
  // Built from local components: the name is stamped in the till's local time whatever the TZ.
  const at = new Date(2026, 10, 24, 9, 30, 5);

  it('TicDeg carries the till and the local date-time to the second, TicDep the local date', () => {
    expect(packageFileName('degraded', '01', at)).toBe('TicDeg01_20261124093005.zip');
    expect(packageFileName('untransferred', '01', at)).toBe('TicDep01_20261124.zip');
    expect(packageFileName('degraded', '12', at, 2)).toBe('TicDeg12_20261124093005-2.zip');
    expect(packageFileName('degraded', '12', at, 1)).toBe('TicDeg12_20261124093005.zip');
  });

  it('refuses till codes that would make an ambiguous or unsafe name', () => {
    expect(() => packageFileName('degraded', '../01', at)).toThrow(/till code/);
    expect(() => packageFileName('degraded', '0_1', at)).toThrow(/till code/);
    expect(() => packageFileName('degraded', '', at)).toThrow(/till code/);
  });

  it('parses what it writes, suffix included', () => {
    expect(parsePackageFileName('TicDeg01_20261124093005.zip')).toEqual({ kind: 'degraded', till: '01', stamp: '20261124093005', suffix: null });
    expect(parsePackageFileName('TicDep07_20261124-3.zip')).toEqual({ kind: 'untransferred', till: '07', stamp: '20261124', suffix: 3 });
    for (const kind of ['degraded', 'untransferred'] as const) {
      const name = packageFileName(kind, 'A9', at, 4);
      expect(parsePackageFileName(name)).toMatchObject({ kind, till: 'A9', suffix: 4 });
    }
  });

  it('rejects other files, partial uploads and mismatched stamps', () => {
    for (const name of [
      'TicDeg01_20261124093005.zip.part',
      'TicDeg01_20261124.zip', // degraded needs the time
      'TicDep01_20261124093005.zip', // untransferred is per day
      'ticdeg01_20261124093005.zip',
      'TicDeg01-20261124093005.zip',
      'base-S1-20261124.zip',
      'TicDeg01_20261124093005.ZIP',
    ]) {
      expect(parsePackageFileName(name), name).toBeNull();
      expect(isPackageFileName(name)).toBe(false);
    }
  });
});
