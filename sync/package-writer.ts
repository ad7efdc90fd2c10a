/**
 * Builds signed ticket packages (TicDeg / TicDep) and writes them atomically. Pure building is
 * separate from writing so the till can hand the bytes to any transport.
 */
import { streamTicketPackage } from './package-stream-writer.ts';
import { TillsyncError } from './errors.ts';
import { fmt, sum, type Decimals } from './money.ts';
import {
  HASHES_ENTRY,
  PACKAGE_FORMAT,
  PACKAGE_VERSION,
  TICKETS_ENTRY,
  packageFileName,
  type PackageKind,
  type PackageManifest,
} from './package-format.ts';
import { encodeTicketLines } from './package-lines.ts';
import { buildSignedZip } from './signed-zip.ts';
import type { Ticket } from './types.ts';

export interface BuildPackageOptions {
  store: string;
  till: string;
  kind: PackageKind;
  tickets: Ticket[];
  /** The till's secret, shared with the server at enrolment. */
  secret: string;
  created?: Date;
}

export interface BuiltPackage {
  fileName: string;
  bytes: Buffer;
  manifest: PackageManifest;
}

export function buildTicketPackage(opts: BuildPackageOptions): BuiltPackage {
  const created = opts.created ?? new Date();
  const tickets = [...opts.tickets].sort((a, b) => a.number - b.number);
  const seen = new Set<number>();
  for (const t of tickets) {
    if (t.store !== opts.store || t.till !== opts.till) {
      throw new TillsyncError('wrong-till', `ticket ${t.id} belongs to ${t.store} till ${t.till}, not to ${opts.store} till ${opts.till}`, { ref: { ticket: t.id, till: opts.till } });
    }
    if (seen.has(t.number)) throw new TillsyncError('duplicate-ticket', `ticket number ${t.number} appears twice in the extraction`, { ref: { ticket: t.id, till: opts.till } });
    seen.add(t.number);
  }
  // A loop, not Math.max(...tickets): spreading 200,000 arguments overflows the call stack.
  let decimals: Decimals = 2;
  for (const t of tickets) if ((t.rounding?.decimals ?? 2) > decimals) decimals = t.rounding.decimals;
  const header = {
    format: PACKAGE_FORMAT,
    version: PACKAGE_VERSION,
    store: opts.store,
    till: opts.till,
    kind: opts.kind,
    created: created.toISOString(),
    count: tickets.length,
    firstNumber: tickets.length ? tickets[0].number : null,
    lastNumber: tickets.length ? tickets[tickets.length - 1].number : null,
    totals: {
      due: fmt(sum(tickets.map((t) => t.totals.due)), decimals),
      inclVat: fmt(sum(tickets.map((t) => t.totals.inclVat)), decimals),
    },
  };
  const { jsonl, hashes } = encodeTicketLines(tickets, opts.store, opts.till);
  const entries = [
    { name: HASHES_ENTRY, data: hashes },
    { name: TICKETS_ENTRY, data: jsonl },
  ];
  const { bytes, manifest } = buildSignedZip({ header, entries, secret: opts.secret });
  return { fileName: packageFileName(opts.kind, opts.till, created), bytes, manifest: manifest as unknown as PackageManifest };
}

export interface WrittenPackage {
  path: string;
  fileName: string;
  manifest: PackageManifest;
  bytes: number;
}

/**
 * Writes the package into `outDir` as `<name>.part`, fsyncs, renames, fsyncs the folder. Never
 * overwrites: a second extraction in the same second (or day, for TicDep) gets `-2`, `-3`…
 * On failure (disk full…) the `.part` is removed and nothing named `.zip` is left.
 */
export async function writeTicketPackage(outDir: string, opts: BuildPackageOptions): Promise<WrittenPackage> {
  // Through the streaming writer: the same package, without the whole zip in memory at once.
  const tickets = [...opts.tickets].sort((a, b) => a.number - b.number);
  return streamTicketPackage(outDir, { store: opts.store, till: opts.till, kind: opts.kind, created: opts.created, secret: opts.secret, count: tickets.length, pages: [tickets] });
}
