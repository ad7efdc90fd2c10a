/**
 * `tillsync audit verify ARCHIVE [--json]`: the tax auditor's check of a fiscal archive, with no
 * secret and no database (sync/archive-verify.ts). Exit 0 when the archive is intact, 1 with every
 * finding (entry, line, record) otherwise.
 */
import type { Command } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { TillsyncError } from '../sync/errors.ts';
import type { AuditReport } from '../sync/archive-verify.ts';
import { run } from './output.ts';

export function auditReportText(r: AuditReport): string {
  const out = [
    `${r.ok ? 'ACCEPTED' : 'REFUSED'}  ${r.file}`,
    `  ${r.format ?? '?'} from ${r.origin ?? '?'} (store ${r.store ?? '?'}${r.till ? `, till ${r.till}` : ''}), period ${r.period ?? '?'}, made ${r.created ?? '?'} by ${r.software ?? '?'}`,
    `  signed by key ${r.signedBy?.fingerprint ?? '?'}; keys in the archive: ${r.keys.map((k) => `${k.fingerprint} (${k.owner})`).join(', ') || 'none'}`,
    `  ${r.counts.tickets} tickets, closures ${r.counts.closures.day} day / ${r.counts.closures.month} month / ${r.counts.closures.year} year, ${r.counts.journalEvents} journal events; ${r.checks} checks`,
    ...Object.entries(r.totals).map(([till, t]) => `  till ${till}: tickets total ${t.tickets}, last perpetual grand total ${t.lastGrandTotal ?? 'none'}`),
  ];
  for (const f of r.findings) out.push(`  ${f.severity === 'error' ? 'ERROR' : 'warning'} ${f.kind}: ${f.message}`);
  if (r.ok) out.push('  Compare the key fingerprint with the one printed on the till\'s closures and registered at enrolment.');
  return out.join('\n');
}

export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description("a tax auditor's checks (no secret needed)");
  audit
    .command('verify')
    .description('check a fiscal archive: every signature, chain, count and total; prints a report (exit 1 when anything is wrong)')
    .argument('<archive>', 'archive zip written by till archive, a fiscal-year closure or server archive')
    .action(
      run(async (_opts, _ctx, args) => {
        const file = resolve(args[0]);
        if (!existsSync(file) || !statSync(file).isFile()) throw new TillsyncError('no-file', `no archive file ${file}`, { hint: 'give the path printed by tillsync till archive or server archive' });
        const { verifyArchive } = await import('../sync/archive-verify.ts');
        const report = verifyArchive(readFileSync(file), file);
        return { data: report, text: auditReportText(report), exitCode: report.ok ? 0 : 1 };
      }),
    );
}
