/**
 * `tillsync bench export`: an FEC export of N entry lines through the real path (SQL pages of
 * entries and lines, labels, FEC formatting, ISO 8859-15 encoding, sha256, .part + fsync + rename,
 * recording), beside the raw floor measured in the same run: the same number of FEC-shaped lines
 * written to a file by a bare write stream. Reported: seconds, lines/s, and export / floor ratio.
 */
import { createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { openDatabase } from '../server/db/database.ts';
import { saveBaseData } from '../server/base-data.ts';
import { demoBaseData } from '../fixtures/store.ts';
import { runExport } from '../server/exports/export-run.ts';

export interface BenchExportResult {
  engine: 'sqlite' | 'postgres';
  lines: number;
  entries: number;
  fileBytes: number;
  exportSeconds: number;
  exportLinesPerSecond: number;
  rawSeconds: number;
  rawLinesPerSecond: number;
  /** export time / raw floor time. */
  ratio: number;
  /** SQLite only: reading the same lines with a bare better-sqlite3 statement, plus the raw write. */
  sqlFloorSeconds: number | null;
  /** export time / (SQL read + raw write). */
  ratioToSqlFloor: number | null;
}

export async function benchExport(opts: { entries?: number; dir: string; url?: string; log?: (line: string) => void }): Promise<BenchExportResult> {
  const lines = Math.max(3, opts.entries ?? 100_000);
  const log = opts.log ?? (() => undefined);
  const data = join(opts.dir, 'bench-export');
  rmSync(data, { recursive: true, force: true });
  mkdirSync(data, { recursive: true });
  const db = await openDatabase({ data, url: opts.url });
  try {
    await saveBaseData(db, demoBaseData(5));
    const entryCount = Math.ceil(lines / 3);
    log(`seeding ${entryCount} entries (${entryCount * 3} lines)…`);
    const validated = '2026-12-01T02:00:00.000Z';
    await db.transaction().execute(async (trx) => {
      for (let first = 0; first < entryCount; first += 300) {
        const n = Math.min(300, entryCount - first);
        const rows = Array.from({ length: n }, (_, i) => ({ batch_id: 1, journal: '70', entry_date: `2026-11-${String(1 + ((first + i) % 28)).padStart(2, '0')}`, piece: String(10_000_000 + first + i), label: `Facture ${10_000_000 + first + i}`, kind: 'sales', validated_at: validated, export_id: null }));
        const ids = (await trx.insertInto('entries').values(rows).returning('id').execute()).map((r) => r.id);
        const lineRows = ids.flatMap((id, i) => {
          const piece = rows[i].piece;
          return [
            { entry_id: id, line_no: 1, account: '410000', aux_account: '0000002', aux_label: 'Client comptoir', label: rows[i].label, debit: '483.60', credit: '0.00', vat_code: null, document_number: piece, lettering_id: null },
            { entry_id: id, line_no: 2, account: '707000', aux_account: null, aux_label: null, label: rows[i].label, debit: '0.00', credit: '403.00', vat_code: 'VN', document_number: piece, lettering_id: null },
            { entry_id: id, line_no: 3, account: '445711', aux_account: null, aux_label: null, label: rows[i].label, debit: '0.00', credit: '80.60', vat_code: 'VN', document_number: piece, lettering_id: null },
          ];
        });
        await trx.insertInto('entry_lines').values(lineRows).execute();
      }
    });
    const total = entryCount * 3;

    log('export…');
    const t0 = performance.now();
    const o = await runExport({ db, data }, { format: 'fec', from: '2026-11-01', to: '2026-11-30', pageSize: 1000 });
    const exportSeconds = (performance.now() - t0) / 1000;
    const fileBytes = statSync(o.file!).size;

    log('raw floor…');
    const raw = join(data, 'raw.txt');
    const t1 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const s = createWriteStream(raw);
      s.on('error', reject);
      let i = 0;
      const line = (k: number) => `70\tVentes\t${Math.floor(k / 3) + 1}\t20261102\t707000\tVentes de marchandises\t\t\t${10_000_000 + Math.floor(k / 3)}\t20261102\tFacture ${10_000_000 + Math.floor(k / 3)}\t0,00\t403,00\t\t\t20261201\t\t\r\n`;
      const pump = () => {
        while (i < total) {
          let chunk = '';
          for (let j = 0; j < 1000 && i < total; j++) chunk += line(i++);
          if (!s.write(chunk)) return void s.once('drain', pump);
        }
        s.end(() => resolve());
      };
      pump();
    });
    const rawSeconds = (performance.now() - t1) / 1000;

    let sqlSeconds: number | null = null;
    if (!opts.url) {
      const sqlite = new BetterSqlite3(join(data, 'tillsync.sqlite'), { readonly: true });
      try {
        const t2 = performance.now();
        let n = 0;
        for (const _row of sqlite.prepare('SELECT e.id, e.journal, e.entry_date, e.piece, e.label, e.validated_at, l.account, l.aux_account, l.aux_label, l.label, l.debit, l.credit, l.vat_code, l.document_number FROM entries e JOIN entry_lines l ON l.entry_id = e.id ORDER BY e.id, l.line_no').iterate()) n++;
        sqlSeconds = (performance.now() - t2) / 1000;
        if (n !== total) throw new Error(`SQL floor read ${n} lines, expected ${total}`);
      } finally {
        sqlite.close();
      }
    }
    const result: BenchExportResult = {
      engine: opts.url ? 'postgres' : 'sqlite',
      lines: o.lineCount,
      entries: o.entryCount,
      fileBytes,
      exportSeconds: round(exportSeconds),
      exportLinesPerSecond: Math.round(o.lineCount / exportSeconds),
      rawSeconds: round(rawSeconds),
      rawLinesPerSecond: Math.round(total / rawSeconds),
      ratio: round(exportSeconds / rawSeconds),
      sqlFloorSeconds: sqlSeconds === null ? null : round(sqlSeconds + rawSeconds),
      ratioToSqlFloor: sqlSeconds === null ? null : round(exportSeconds / (sqlSeconds + rawSeconds)),
    };
    log(`FEC export of ${result.lines} lines: ${result.exportSeconds} s (${result.exportLinesPerSecond} lines/s); raw floor ${result.rawSeconds} s (${result.rawLinesPerSecond} lines/s); ratio ${result.ratio}${result.sqlFloorSeconds !== null ? `; SQL read + write floor ${result.sqlFloorSeconds} s, ratio ${result.ratioToSqlFloor}` : ''}`);
    return result;
  } finally {
    await db.destroy();
    rmSync(data, { recursive: true, force: true });
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
