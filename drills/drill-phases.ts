/**
 * The server phases a kill drill crashes, in pipeline order: each one's command line (run as a
 * child process, killed, rerun), how to run it unkilled in this process (to bring a round's state
 * up to the phase under test quickly, with the very functions the command calls), and a
 * fingerprint of how far its work has got in the database (to tell before / during / after).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../server/db/database.ts';
import { sha256Hex } from '../sync/signed-zip.ts';

import { PIPELINE, type Phase } from './drill-pipeline.ts';

export { PIPELINE, type Phase };

export interface PhaseInput {
  data: string;
  /** Last business day of the round (integration and posting take everything up to it). */
  day: string;
  /** Package files of the round not taken in yet. */
  files: string[];
}

export function phaseArgs(phase: Phase, p: PhaseInput): string[] {
  switch (phase) {
    case 'intake':
      return ['server', 'intake', '--data', p.data, ...p.files, '--json'];
    case 'integrate':
      return ['server', 'integrate', '--data', p.data, '--until', p.day, '--json'];
    case 'post':
      return ['server', 'post', '--data', p.data, '--until', p.day, '--json'];
    case 'letter':
      return ['server', 'letter', '--data', p.data, '--json'];
  }
}

/** The phase run in-process, unkilled, exactly as its command runs it. */
export async function runPhaseInProcess(phase: Phase, db: Db, p: PhaseInput): Promise<void> {
  switch (phase) {
    case 'intake': {
      const { intakePackage } = await import('../server/intake/intake.ts');
      for (const file of p.files) {
        const o = await intakePackage({ db, data: p.data }, { bytes: readFileSync(file), fileName: basename(file), channel: 'manual' });
        if (o.status === 'refused') throw new Error(`intake refused ${file}: ${o.reason} ${o.message}`);
      }
      return;
    }
    case 'integrate': {
      const { runIntegration } = await import('../server/integration/integrate.ts');
      await runIntegration(db, p.data, { until: p.day });
      return;
    }
    case 'post': {
      const { runPosting } = await import('../server/accounting/posting-run.ts');
      await runPosting(db, p.data, { until: p.day });
      return;
    }
    case 'letter': {
      const { runLettering } = await import('../server/accounting/lettering-run.ts');
      await runLettering(db, p.data);
      return;
    }
  }
}

async function count(db: Db, query: ReturnType<typeof sql<{ n: number | string }>>): Promise<number> {
  const r = await query.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/** How much of the phase's work the database shows: equal fingerprints, equal progress. */
export async function phaseFingerprint(phase: Phase, db: Db, p: PhaseInput): Promise<string> {
  switch (phase) {
    case 'intake': {
      const shas = p.files.map((f) => sha256Hex(readFileSync(f)));
      if (!shas.length) return '0';
      const rows = await db.selectFrom('packages').select('sha256').where('status', '=', 'accepted').where('sha256', 'in', shas).execute();
      return String(rows.length);
    }
    case 'integrate':
      return `${await count(db, sql<{ n: number }>`select count(*) as n from tickets where integration_batch is not null`)}/${await count(db, sql<{ n: number }>`select count(*) as n from documents`)}`;
    case 'post':
      return `${await count(db, sql<{ n: number }>`select count(*) as n from documents where posting_batch is not null`)}/${await count(db, sql<{ n: number }>`select count(*) as n from entries`)}`;
    case 'letter':
      return `${await count(db, sql<{ n: number }>`select count(*) as n from entry_lines where lettering_id is not null`)}/${await count(db, sql<{ n: number }>`select count(*) as n from letterings`)}`;
  }
}

/**
 * Posting letters as it goes, so `server letter` only has work on books written otherwise (an
 * older version, another tool). Before a lettering round the drill makes such books: the new
 * letterings of the latest posting batch are taken off their lines and removed, as if that batch
 * had been posted without lettering. Groups that superseded an older lettering are left alone.
 * Returns how many lines were unlettered.
 */
export async function unletterLatestPosting(db: Db): Promise<number> {
  const batch = await db.selectFrom('batches').select('id').where('kind', '=', 'posting').where('status', '=', 'done').orderBy('id', 'desc').limit(1).executeTakeFirst();
  if (!batch) return 0;
  return db.transaction().execute(async (trx) => {
    const ids = (await trx.selectFrom('letterings').select('id').where('batch_id', '=', Number(batch.id)).where('previous_id', 'is', null).execute()).map((r) => Number(r.id));
    if (!ids.length) return 0;
    const res = await trx.updateTable('entry_lines').set({ lettering_id: null }).where('lettering_id', 'in', ids).executeTakeFirst();
    await trx.deleteFrom('letterings').where('id', 'in', ids).execute();
    return Number(res.numUpdatedRows);
  });
}
