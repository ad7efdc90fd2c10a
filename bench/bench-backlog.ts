/**
 * `tillsync bench backlog`: a long outage's backlog — N tickets of one till put straight into its
 * disk store — extracted as ONE package and taken in by a fresh SQLite store server, each step in
 * its own process so that its peak memory (RSS) is measured alone. The issue figure: --backlog 1000000.
 */
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchSection } from './bench-report.ts';
import { runJsonChild } from './bench-processes.ts';

const CHILD = fileURLToPath(new URL('./bench-backlog-child.ts', import.meta.url));

/**
 * The extraction runs under this JavaScript heap cap: it holds one page of tickets, so it must fit
 * whatever the backlog (a store read whole would die of "heap out of memory"). Without a cap V8
 * lets garbage pile up to the machine's size and the RSS says nothing about what is held.
 */
export const EXTRACT_HEAP_MB = 256;

export interface BacklogStep {
  tickets: number;
  ms: number;
  peakRssMB: number;
  /** 1-minute load average when the step started and when it ended (the machine may be shared). */
  load?: [number, number];
}

export interface BacklogResult {
  tickets: number;
  fill: BacklogStep;
  extract: BacklogStep & { bytes: number; file: string };
  intake: BacklogStep & { accepted: number; errors: number; stored: number };
}

/**
 * `heapMB` / `stackKB`: the extraction's JavaScript heap cap (default EXTRACT_HEAP_MB) and stack
 * size (default Node's). A smaller backlog proves the same with both scaled down (the e2e test):
 * tickets held whole still overflow the heap, one spread over all of them still overflows the stack.
 */
export async function benchBacklog(opts: { tickets: number; dir: string; log?: (s: string) => void; heapMB?: number; stackKB?: number }): Promise<BacklogResult> {
  const log = opts.log ?? (() => {});
  const till = join(opts.dir, 'backlog-till');
  const out = join(opts.dir, 'backlog-packages');
  const server = join(opts.dir, 'backlog-server');
  for (const d of [till, out, server]) mkdirSync(d, { recursive: true });
  log(`putting ${opts.tickets} tickets into the till store…`);
  const fill = await runJsonChild<BacklogStep>(CHILD, ['fill', till, String(opts.tickets)], 'backlog fill');
  log(`extracting ${opts.tickets} tickets as one package…`);
  const loaded = async <T extends BacklogStep>(step: () => Promise<T>): Promise<T> => {
    const before = loadavg()[0];
    const r = await step();
    return { ...r, load: [before, loadavg()[0]] };
  };
  const extract = await loaded(() => runJsonChild<BacklogResult['extract']>(CHILD, ['extract', till, out], 'backlog extract', [`--max-old-space-size=${opts.heapMB ?? EXTRACT_HEAP_MB}`, ...(opts.stackKB ? [`--stack-size=${opts.stackKB}`] : [])]));
  log(`taking the package in (${extract.bytes} bytes)…`);
  const intake = await loaded(() => runJsonChild<BacklogResult['intake']>(CHILD, ['intake', server, extract.file, till], 'backlog intake'));
  if (extract.tickets !== opts.tickets || intake.accepted !== opts.tickets || intake.stored !== opts.tickets) {
    throw new Error(`bench backlog: ${opts.tickets} tickets, ${extract.tickets} extracted, ${intake.accepted} accepted, ${intake.stored} stored`);
  }
  return { tickets: opts.tickets, fill, extract, intake };
}

export function backlogSection(r: BacklogResult): BenchSection {
  return {
    title: 'Backlog: one package of a long outage, till → server',
    params: {
      tickets: r.tickets,
      'package bytes': r.extract.bytes,
      'fill (not timed)': `${(r.fill.ms / 1000).toFixed(0)} s`,
      'load average (1 min, 2 cores shared), extraction': loadText(r.extract.load),
      'load average, intake': loadText(r.intake.load),
    },
    figures: [
      { name: `extraction of ${r.tickets} tickets`, value: r.extract.ms / 1000, unit: 's', note: 'read from the till store page by page, deflate, sign, write atomically' },
      { name: 'peak memory of the extraction (RSS)', value: r.extract.peakRssMB, unit: 'MB', target: '≤ 512 MB', met: r.extract.peakRssMB <= 512, note: `JavaScript heap capped at ${EXTRACT_HEAP_MB} MB` },
      { name: `intake of the ${r.tickets}-ticket package (SQLite)`, value: r.intake.ms / 1000, unit: 's', note: `${Math.round(r.tickets / (r.intake.ms / 1000))} tickets/s: unzip, verify, chain check, dedupe, insert` },
      { name: 'peak memory of the intake (RSS)', value: r.intake.peakRssMB, unit: 'MB', note: `tickets.jsonl inflated and judged a page (1,000 lines) at a time inside the one transaction; held whole: the package file (${Math.round(r.extract.bytes / r.tickets)} bytes a ticket) and hashes.bin (32 bytes a ticket)` },
    ],
  };
}

function loadText(load?: [number, number]): string {
  return load ? `${load[0].toFixed(1)} → ${load[1].toFixed(1)}` : 'not measured';
}
