/**
 * Verdicts on a page of package lines, as worker threads hand them back (see package-pages.ts):
 * each line judged exactly as the inline path judges it (sync/package-reader.ts readTicketLine,
 * then ticket-check.ts checkIncomingTicket); what needs the lines before it (a number seen twice, the
 * range) stays with the main thread, which sees every page in order.
 *
 * A verdict page is columns rather than one object per ticket: handing 100,000 objects of a dozen
 * fields to another thread costs more than the strings in them. The store, till and id are not
 * sent: every ticket that passed has those of the package (checked here).
 */
import { isLineError, readTicketLine, type LineContext, type TicketLineError } from '../../sync/package-reader.ts';
import type { PackageManifest } from '../../sync/package-format.ts';
import { checkIncomingTicket } from './ticket-check.ts';

export interface LinePageRequest {
  type: 'page';
  seq: number;
  /** Position of the first line among the package's non-blank lines (its record in hashes.bin). */
  k0: number;
  /** Per line: its 1-based line number and its bytes in `data` (see TicketLinePage). */
  line: Int32Array;
  start: Int32Array;
  end: Int32Array;
  /** The page's lines, as read from tickets.jsonl (only this page: the entry is never held whole). */
  data: Uint8Array;
}

export interface LinePackageMessage {
  type: 'package';
  fileName: string;
  manifest: PackageManifest;
  hashes: Uint8Array | null;
  /** `S1-01`: the till whose secret signed the package. */
  tillId: string;
}

export interface LinePageVerdicts {
  type: 'page';
  seq: number;
  /** Per line, in order: 1 a ticket (next in the columns below), 0 a line error (next in `errors`). */
  kinds: Uint8Array;
  errors: TicketLineError[];
  number: number[];
  day: string[];
  soldAt: string[];
  customer: string[];
  inclVat: string[];
  due: string[];
  degraded: boolean[];
  hash: string[];
  prevHash: string[];
  content: string[];
  /** Why checkIncomingTicket refused the ticket (it is then not stored), or null. */
  rejected: (string | null)[];
}

/** The package a page of lines belongs to, as judging needs it. */
export type LineJudgeContext = LineContext & { tillId: string };

/** Judges one page of lines: each exactly as the inline path judges it. Pure. */
export function judgeLines(ctx: LineJudgeContext, req: Omit<LinePageRequest, 'type'>): LinePageVerdicts {
  // Structured cloning hands a Buffer over as a plain Uint8Array: view it as a Buffer again.
  const data = Buffer.isBuffer(req.data) ? req.data : Buffer.from(req.data.buffer, req.data.byteOffset, req.data.byteLength);
  const out: LinePageVerdicts = {
    type: 'page',
    seq: req.seq,
    kinds: new Uint8Array(req.line.length),
    errors: [],
    number: [],
    day: [],
    soldAt: [],
    customer: [],
    inclVat: [],
    due: [],
    degraded: [],
    hash: [],
    prevHash: [],
    content: [],
    rejected: [],
  };
  for (let i = 0; i < req.line.length; i++) {
    const r = readTicketLine(ctx, req.k0 + i, req.line[i], data.toString('utf8', req.start[i], req.end[i]));
    if (isLineError(r)) {
      out.errors.push(r);
      continue;
    }
    out.kinds[i] = 1;
    const t = r.ticket;
    const v = checkIncomingTicket(t, ctx.tillId, r.content);
    out.number.push(t.number);
    out.rejected.push(v.ok ? null : v.reason);
    // A refused ticket's fields may be of any type: only its number and reason travel.
    const ok = v.ok;
    out.day.push(ok ? t.day : '');
    out.soldAt.push(ok ? t.soldAt : '');
    out.customer.push(ok ? t.customer : '');
    out.inclVat.push(ok ? t.totals.inclVat : '');
    out.due.push(ok ? t.totals.due : '');
    out.degraded.push(ok ? t.degraded : false);
    out.hash.push(ok ? t.hash : '');
    out.prevHash.push(ok ? t.prevHash : '');
    out.content.push(ok ? r.content : '');
  }
  return out;
}

