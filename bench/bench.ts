/**
 * `tillsync bench [all|till|intake|integrate|post|export]`: runs the benchmarks of every part and
 * writes BENCHMARKS.md. Each part's bench function does the work and measures its raw floor in the
 * same run; this file only chooses sizes, starts a throwaway PostgreSQL when none is given, and
 * turns results into figures.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { run } from '../cli/output.ts';
import { renderText, writeBenchmarks, type BenchSection, type Figure } from './bench-report.ts';
import { TillsyncError } from '../sync/errors.ts';

export const BENCHES = ['till', 'intake', 'integrate', 'post', 'export', 'backlog', 'einvoice', 'startup', 'chain'] as const;
export type BenchName = (typeof BENCHES)[number];

export interface BenchOptions {
  tickets: number;
  pgTickets: number;
  tills: number;
  articles: number;
  sales: number;
  extract: number;
  intakeTickets: number;
  entries: number;
  backlog: number;
  invoices: number;
  startupRuns: number;
  chainStores: number;
  chainTills: number;
  chainTickets: number;
  chainCustomers: number;
  chainWorkers: string;
  chainRender: number;
  pg?: string;
  noPg?: boolean;
  dir: string;
  log: (s: string) => void;
}

const fig = (name: string, value: number, unit: string, extra: Partial<Figure> = {}): Figure => ({ name, value, unit, ...extra });
const atMost = (v: number, max: number) => v <= max;

async function benchTillSection(o: BenchOptions): Promise<BenchSection[]> {
  const { benchTill } = await import('./bench-till.ts');
  return [await benchTill({ dir: o.dir, articles: o.articles, sales: o.sales, extract: o.extract, log: o.log })];
}

async function benchIntakeSection(o: BenchOptions): Promise<BenchSection[]> {
  const { benchIntake } = await import('./bench-intake.ts');
  const r = await benchIntake({ tickets: o.intakeTickets, dir: o.dir, pgUrl: o.pg, log: o.log });
  return [
    {
      title: 'Intake: one package through the whole pipeline (unzip, verify, chain check, dedupe, insert)',
      params: { tickets: r.tickets, 'package bytes': r.packageBytes },
      figures: r.engines.map((e) =>
        fig(`intake on ${e.engine}`, e.intakeTicketsPerSecond, 'tickets/s', { floor: e.rawTicketsPerSecond, target: 'within 3× of floor', met: e.ratio <= 3, note: `${e.intakeSeconds.toFixed(2)} s; floor = the same rows by a bare prepared statement in one transaction (${e.rawSeconds.toFixed(2)} s)` }),
      ),
    },
  ];
}

async function benchIntegrateSection(o: BenchOptions): Promise<BenchSection[]> {
  const { benchIntegrate } = await import('./bench-integrate.ts');
  const out: BenchSection[] = [];
  for (const pgUrl of [undefined, o.pg].filter((x, i) => i === 0 || x)) {
    const perTill = Math.max(1, Math.round((pgUrl ? o.pgTickets : o.tickets) / o.tills));
    const r = await benchIntegrate({ tills: o.tills, ticketsPerTill: perTill, dir: o.dir, pgUrl, log: o.log });
    out.push({
      title: `Nightly integration on ${r.engine}`,
      params: { tickets: r.tickets, tills: o.tills, documents: r.documents },
      figures: [
        fig('integration throughput', r.ticketsPerSecond, 'tickets/s', { floor: r.floorTicketsPerSecond, target: r.engine === 'sqlite' ? '≥ 25,000 tickets/s, within 4× of floor' : 'within 4× of floor', met: (r.engine !== 'sqlite' || r.ticketsPerSecond >= 25_000) && r.ratio <= 4, note: `${r.seconds.toFixed(1)} s wall, ${r.cpuSeconds.toFixed(1)} s CPU; floor = a bare SQL pass reading the pending tickets and writing the same document rows and ticket updates` }),
        fig('peak memory (RSS)', r.peakRssMB, 'MB', { target: '≤ 1024 MB', met: atMost(r.peakRssMB, 1024) }),
      ],
    });
  }
  return out;
}

async function benchPostSection(o: BenchOptions): Promise<BenchSection[]> {
  const { benchPost } = await import('./bench-post.ts');
  const out: BenchSection[] = [];
  for (const pgUrl of [undefined, o.pg].filter((x, i) => i === 0 || x)) {
    const r = await benchPost({ tickets: pgUrl ? o.pgTickets : o.tickets, dir: join(o.dir, pgUrl ? 'post-pg' : 'post'), pgUrl, log: o.log });
    const figures: Figure[] = [
      fig('posting + lettering throughput', r.ticketsPerSecond, 'tickets/s', { floor: r.floorTicketsPerSecond, target: '≥ 25,000 tickets/s', met: r.ticketsPerSecond >= 25_000, note: r.note }),
      fig('peak memory (RSS of the posting process)', r.peakRssMB, 'MB', { target: '≤ 1024 MB', met: atMost(r.peakRssMB, 1024) }),
    ];
    out.push({ title: `Posting and lettering on ${r.engine}`, params: { tickets: r.tickets, documents: r.documents, 'entry lines': r.lines, 'settlement items': r.settlements, 'set-up (not timed)': `${r.storeSeconds.toFixed(0)} s store + ${r.integrateSeconds.toFixed(0)} s integrate` }, figures });
  }
  return out;
}

async function benchExportSection(o: BenchOptions): Promise<BenchSection[]> {
  const { benchExport } = await import('./bench-export.ts');
  const r = await benchExport({ entries: o.entries, dir: o.dir, log: o.log });
  return [
    {
      title: `FEC export on ${r.engine}`,
      params: { 'entry lines': r.lines, entries: r.entries, 'file bytes': r.fileBytes },
      figures: [
        fig('FEC export throughput', r.exportLinesPerSecond, 'lines/s', { floor: r.rawLinesPerSecond, note: `${r.exportSeconds.toFixed(2)} s; floor = writing the same lines to a bare stream${r.ratioToSqlFloor ? `; ${r.ratioToSqlFloor.toFixed(2)}× the bare SQL read + write` : ''}` }),
      ],
    },
  ];
}

async function benchBacklogSection(o: BenchOptions): Promise<BenchSection[]> {
  const { benchBacklog, backlogSection } = await import('./bench-backlog.ts');
  return [backlogSection(await benchBacklog({ tickets: o.backlog, dir: o.dir, log: o.log }))];
}

async function benchEinvoiceSection(o: BenchOptions): Promise<BenchSection[]> {
  const { benchFacturX } = await import('./bench-facturx.ts');
  const r = await benchFacturX({ invoices: o.invoices, log: o.log });
  return [
    {
      title: 'Factur-X generation (EN 16931 data + CII XML + PDF/A-3 with the XML attached)',
      params: { invoices: r.invoices, 'average Factur-X bytes': r.facturXBytes },
      figures: [
        fig('Factur-X throughput', r.facturXPerSecond, 'invoices/s', {
          floor: r.plainPerSecond,
          target: '≤ 2× the plain PDF/A time (judged on CPU time: the machine may be shared)',
          met: r.cpuRatio <= 2,
          note: `${r.facturXSeconds.toFixed(1)} s vs ${r.plainSeconds.toFixed(1)} s wall (${r.ratio.toFixed(2)}×), CPU ${r.facturXCpuSeconds.toFixed(1)} s vs ${r.plainCpuSeconds.toFixed(1)} s (${r.cpuRatio.toFixed(2)}×) for the same invoices as plain PDF/A, made in alternating rounds of 50`,
        }),
      ],
    },
  ];
}

async function benchStartupSection(o: BenchOptions): Promise<BenchSection[]> {
  const { benchStartup, startupSection } = await import('./bench-startup.ts');
  return [startupSection(benchStartup({ runs: o.startupRuns, dir: o.dir, log: o.log }))];
}

async function benchChainSection(o: BenchOptions): Promise<BenchSection[]> {
  if (!o.pg) {
    o.log('chain bench: PostgreSQL only (a chain is one PostgreSQL database): skipped');
    return [];
  }
  const { benchChain } = await import('./bench-chain.ts');
  const workers = o.chainWorkers.split(',').map(Number);
  if (!workers.length || workers.some((w) => !Number.isInteger(w) || w < 1)) throw new TillsyncError('usage', `--chain-workers ${o.chainWorkers}: not a list of worker counts`, { hint: 'e.g. --chain-workers 1,2,4' });
  const r = await benchChain({ stores: o.chainStores, tills: o.chainTills, ticketsPerTill: o.chainTickets, customers: o.chainCustomers, workers, renderDocuments: o.chainRender, pgUrl: o.pg, dir: o.dir, log: o.log });
  const one = r.runs.find((x) => x.workers === 1);
  const two = r.runs.find((x) => x.workers === 2);
  const c = r.counts;
  const pct = (n: number) => `${((100 * n) / r.tickets).toFixed(1)} %`;
  const figures: Figure[] = [];
  for (const x of r.runs) {
    const split = x.pgCpuSeconds !== null ? `; CPU: workers ${x.workerCpuSeconds.toFixed(1)} s, PostgreSQL ${x.pgCpuSeconds.toFixed(1)} s, of ${(x.seconds * cpus().length).toFixed(1)} s available` : `; workers' CPU ${x.workerCpuSeconds.toFixed(1)} s`;
    figures.push(
      fig(`chain night, ${x.workers} worker(s)`, x.ticketsPerSecond, 'tickets/s', { target: '≥ 25,000 tickets/s', met: x.ticketsPerSecond >= 25_000 && x.failed === 0, note: `${x.seconds.toFixed(1)} s wall, ${Math.round(x.documentsPerSecond)} documents/s${split}${x.failed ? `; ${x.failed} store(s) FAILED` : ''}` }),
      fig(`integrate + post + letter, ${x.workers} worker(s)`, x.iplTicketsPerSecond, 'tickets/s', {
        floor: x.floor.tickets / x.floor.seconds,
        target: '≥ 25,000 tickets/s',
        met: x.iplTicketsPerSecond >= 25_000 && x.failed === 0,
        note: `the night's wall time × the share of the stores' process time in these three steps (${x.iplSeconds.toFixed(1)} of ${x.storeSeconds.toFixed(1)} s; the rest is process start, e-report, books check); floor = the night's database work with no logic between, ${x.workers} store(s) at a time: every ticket read and JSON.parse'd once, the ${x.floor.rows.toLocaleString('en-US')} rows the night inserted copied inside PostgreSQL into tables of the same indexes, one (ticket, document) link row per ticket (${x.floor.seconds.toFixed(1)} s; CPU: this process ${x.floor.nodeCpuSeconds.toFixed(1)} s${x.floor.pgCpuSeconds !== null ? `, PostgreSQL ${x.floor.pgCpuSeconds.toFixed(1)} s` : ''})`,
      }),
      fig(`peak memory per worker, ${x.workers} worker(s)`, x.peakRssMb, 'MB', { target: '≤ 1024 MB', met: atMost(x.peakRssMb, 1024) }),
    );
  }
  if (r.render && r.render.facturX) figures.push(fig('Factur-X files of the night (PDF/A-3 + CII XML)', r.render.facturX / r.render.facturXSeconds, 'files/s', { note: `${r.render.facturX} business customers' invoices and credit notes of one store, one process; not part of server nightly (rendered on demand)` }));
  if (r.render && r.render.plain) figures.push(fig('PDF/A invoices of the night (consumers)', r.render.plain / r.render.plainSeconds, 'files/s', { note: `${r.render.plain} documents; reading them into invoice views took ${r.render.loadSeconds.toFixed(1)} s more for all ${r.render.documents}` }));
  if (one && two) {
    // Where the bottleneck is: the cores one worker's night already keeps busy (its process and the PostgreSQL backends working for it).
    const busy = one.pgCpuSeconds !== null ? (one.workerCpuSeconds + one.pgCpuSeconds) / one.seconds : null;
    const note = busy !== null && two.pgCpuSeconds !== null ? `one worker keeps ${busy.toFixed(2)} of the ${cpus().length} cores busy (its process and PostgreSQL working for it), so ${cpus().length} cores allow at most ${(cpus().length / busy).toFixed(2)}×; two workers use ${Math.round((100 * (two.workerCpuSeconds + two.pgCpuSeconds)) / (two.seconds * cpus().length))} % of them: the cores are the bottleneck, PostgreSQL ${Math.round((100 * two.pgCpuSeconds) / (two.workerCpuSeconds + two.pgCpuSeconds))} % of the CPU` : undefined;
    figures.push(fig('scaling 1 → 2 workers', two.ticketsPerSecond / one.ticketsPerSecond, '×', { target: '≥ 1.7× where the database is not the bottleneck', met: two.ticketsPerSecond / one.ticketsPerSecond >= 1.7, note }));
  }
  const four = r.runs.find((x) => x.workers === 4);
  if (one && four) figures.push(fig('scaling 1 → 4 workers', four.ticketsPerSecond / one.ticketsPerSecond, '×', { note: `${cpus().length} cores: beyond the core count, workers only share them` }));
  return [
    {
      title: 'Chain night on PostgreSQL: stores in parallel, realistic mix (server nightly --chain)',
      params: {
        stores: o.chainStores,
        'tills per store': o.chainTills,
        'tickets per till': o.chainTickets,
        tickets: r.tickets,
        documents: r.documents,
        mix: `counter ${pct(c.counter)}, account ${pct(c.account)} over ${o.chainCustomers} customers, deposits ${pct(c.deposits)} + uses ${pct(c.depositUses)}, returns ${pct(c.returns)}, split payments ${pct(c.splitPayments)}, ${c.discountedLines} discounted lines`,
        timed: 'each store: integrate, post, letter, export (not configured: skipped), e-report (not configured: skipped), books check, in its own process; rendering timed apart',
        'set-up (not timed)': `${r.setupSeconds.toFixed(0)} s intake`,
        'database after the night': `${(r.runs[0]?.databaseBytes / 2 ** 20).toFixed(0)} MiB, ${Math.round((r.runs[0]?.databaseBytes ?? 0) / r.tickets).toLocaleString('en-US')} bytes per ticket (all tables and indexes of every store)`,
        'machine load': `load average ${loadavg().map((x) => x.toFixed(1)).join(' / ')} at the end (the bench's own workers included)`,
      },
      figures,
    },
  ];
}

const RUNNERS: Record<BenchName, (o: BenchOptions) => Promise<BenchSection[]>> = {
  till: benchTillSection,
  intake: benchIntakeSection,
  integrate: benchIntegrateSection,
  post: benchPostSection,
  export: benchExportSection,
  backlog: benchBacklogSection,
  einvoice: benchEinvoiceSection,
  startup: benchStartupSection,
  chain: benchChainSection,
};

export async function runBenches(which: BenchName[], o: BenchOptions): Promise<BenchSection[]> {
  const sections: BenchSection[] = [];
  for (const name of which) {
    o.log(`— bench ${name}`);
    const s = await RUNNERS[name](o);
    for (const x of s) o.log(renderText(x));
    sections.push(...s);
  }
  return sections;
}

// InvalidArgumentError: commander prints it as one line with the option's name (a thrown error of
// another kind escaped as a stack trace of the bundle).
const wholeNumber = (min: number) => (v: string) => {
  const n = Number(v.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`"${v}" is not a ${min > 0 ? 'positive ' : ''}whole number`);
  return n;
};
const int = wholeNumber(1);

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('measure every part beside its raw floor and write BENCHMARKS.md (default sizes fit in about ten minutes)')
    .argument('[which...]', `all (default) or some of: ${BENCHES.join(', ')}`)
    .option('--tickets <n>', 'tickets for integrate and post on SQLite (the issue figure: --tickets 1000000)', int, 300_000)
    .option('--pg-tickets <n>', 'tickets for integrate and post on PostgreSQL', int, 100_000)
    .option('--tills <n>', 'tills the tickets are spread over', int, 200)
    .option('--articles <n>', 'articles loaded on the till', int, 50_000)
    .option('--sales <n>', 'durable sales timed on the till', int, 5_000)
    .option('--extract <n>', 'tickets in the extraction bench', int, 10_000)
    .option('--intake-tickets <n>', 'tickets in the intake package', int, 100_000)
    .option('--entries <n>', 'entry lines in the export bench', int, 200_000)
    .option('--backlog <n>', 'tickets of the backlog bench: one package till → server, peak memory of each side (the issue figure: --backlog 1000000)', int, 100_000)
    .option('--invoices <n>', 'invoices in the Factur-X bench (the issue figure: --invoices 10000)', int, 2_000)
    .option('--startup-runs <n>', 'runs of each command in the start-up bench (median)', int, 10)
    .option('--chain-stores <n>', 'stores of the chain bench (the issue figure: --chain-stores 50)', int, 4)
    .option('--chain-tills <n>', 'tills per store in the chain bench (the issue figure: 20)', int, 5)
    .option('--chain-tickets <n>', 'tickets per till in the chain bench (the issue figure: 1000)', int, 1000)
    .option('--chain-customers <n>', 'named account customers per store in the chain bench', int, 5000)
    .option('--chain-workers <list>', 'worker counts the chain bench compares, comma-separated', '1,2,4')
    .option('--chain-render <n>', 'invoices and credit notes of one store the chain bench renders after its first run (PDF/Factur-X per second; 0: none)', wholeNumber(0), 200)
    .option('--pg <url>', 'PostgreSQL admin URL to bench on (default: a throwaway local cluster when PostgreSQL is installed)')
    .option('--no-pg', 'SQLite only')
    .option('--out <file>', 'where to write the report', 'BENCHMARKS.md')
    .action(
      run<any>(async (opts, ctx, args) => {
        const which = (args.length === 0 || args.includes('all') ? [...BENCHES] : args) as BenchName[];
        const unknown = which.filter((w) => !BENCHES.includes(w));
        if (unknown.length) throw new TillsyncError('usage', `unknown bench ${unknown.join(', ')}`, { hint: `choose among ${BENCHES.join(', ')}` });
        const dir = mkdtempSync(join(tmpdir(), 'tillsync-bench-'));
        mkdirSync(dir, { recursive: true });
        let cluster: { url: string; stop(): void } | null = null;
        let pg: string | undefined = opts.pg === true ? undefined : opts.pg;
        // Ctrl-C must not leave a PostgreSQL cluster running or gigabytes in the temp folder.
        const interrupted = () => {
          cluster?.stop();
          rmSync(dir, { recursive: true, force: true });
          process.exit(130);
        };
        process.once('SIGINT', interrupted);
        process.once('SIGTERM', interrupted);
        try {
          if (!pg && opts.pg !== false && which.some((w) => w === 'intake' || w === 'integrate' || w === 'post' || w === 'chain')) {
            const { findPgBin, startPgCluster } = await import('../server/db/pg-cluster.ts');
            if (findPgBin()) {
              cluster = await startPgCluster({ fsync: true });
              pg = cluster.url;
            } else ctx.say('PostgreSQL not installed: benching SQLite only');
          }
          const sections = await runBenches(which, { ...opts, pg, dir, log: (s: string) => ctx.say(s) });
          const out = resolve(opts.out);
          writeBenchmarks(out, sections);
          return { data: { file: out, sections }, text: `\nwrote ${out}` };
        } finally {
          process.off('SIGINT', interrupted);
          process.off('SIGTERM', interrupted);
          cluster?.stop();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
    );
}
