/**
 * Crash drills: the export process is SIGKILLed while writing the file, and between giving the
 * file its name and recording it. The rerun must leave exactly one recorded, valid file holding
 * every entry once, and no `.part` behind.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TestDb } from '../support/test-databases.ts';
import { checkFec } from '../support/fec-checker.ts';
import { decodeLatin9 } from '../../server/exports/latin9.ts';
import { spawnCli } from '../support/cli-harness.ts';
import { cli, exportServer } from './export-setup.ts';

function crashRun(data: string, point: string): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => {
    const child = spawnCli(['server', 'export', '--data', data, '--format', 'fec', '--from', '2026-11-01', '--to', '2026-11-30'], { env: { TILLSYNC_CRASH_AT: `export:${point}` }, stdio: 'ignore' });
    child.on('exit', (_code, signal) => resolve(signal));
  });
}

describe('export crash drills (SQLite, child processes killed with SIGKILL)', () => {
  let t: TestDb | null = null;
  afterEach(async () => {
    await t?.cleanup();
    t = null;
  });

  it.each(['mid-file', 'after-rename'])('a kill at %s is finished by the rerun', async (point) => {
    t = await exportServer('sqlite');
    expect(await crashRun(t.data, point)).toBe('SIGKILL');
    const dir = join(t.data, 'exports');
    const target = join(dir, '552100554FEC-extrait-20261101-20261130.txt');
    // Killed: nothing recorded, nothing marked; the file is half-written (.part) or named but unowned.
    expect(await t.db.selectFrom('exports').selectAll().execute()).toEqual([]);
    expect((await t.db.selectFrom('entries').select('id').where('export_id', 'is not', null).execute()).length).toBe(0);
    expect(existsSync(target)).toBe(point === 'after-rename');
    if (point === 'after-rename') expect(existsSync(`${target}.part`)).toBe(false);
    // The killed run's lock file names a dead process: the rerun must take it over, not wait.
    expect(existsSync(join(t.data, 'exports.lock'))).toBe(true);

    const rerun = await cli(['server', 'export', '--data', t.data, '--format', 'fec', '--from', '2026-11-01', '--to', '2026-11-30', '--json']);
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ status: 'written', file: target, entryCount: 6 });
    expect(readdirSync(dir)).toEqual(['552100554FEC-extrait-20261101-20261130.txt']);
    expect(existsSync(join(t.data, 'exports.lock'))).toBe(false);
    expect(checkFec(decodeLatin9(readFileSync(target))).errors).toEqual([]);
    const recorded = await t.db.selectFrom('exports').selectAll().execute();
    expect(recorded).toHaveLength(1);
    const marks = await t.db.selectFrom('entries').select('export_id').execute();
    expect(marks.every((m) => m.export_id === recorded[0].id)).toBe(true);
  }, 240_000);
});
