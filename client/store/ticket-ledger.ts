/**
 * Per-ticket local state of one till, in memory: which tickets were sold degraded, which are in a
 * package (and which file), which the server acknowledged (and the document number written back).
 * Built once from the store, then kept current by every write that goes through TillStore.
 */
import type { PackageKind } from '../../sync/types.ts';

export interface TicketFlags {
  degraded: boolean;
  packagedIn: string | null;
  acknowledgedAt: string | null;
  documentNumber: string | null;
}

export interface LedgerCounts {
  total: number;
  degraded: number;
  /** Not acknowledged by the server (whether packaged or not). */
  untransferred: number;
  /** In at least one package. */
  packaged: number;
  acknowledged: number;
  /** Acknowledged tickets whose invoice / delivery note number came back from integration. */
  documents: number;
}

export class TicketLedger {
  lastNumber = 0;
  readonly degraded = new Set<number>();
  readonly packaged = new Map<number, string>();
  readonly acks = new Map<number, { acknowledgedAt: string; documentNumber: string | null }>();

  constructor(private readonly idPrefix: string) {}

  /** Ticket number from an id of this till, or null for another till's id. */
  numberOf(id: string): number | null {
    if (!id.startsWith(this.idPrefix)) return null;
    const n = Number(id.slice(this.idPrefix.length));
    return Number.isInteger(n) && n > 0 ? n : null;
  }

  addTicket(t: { number: number; degraded: boolean }): void {
    if (t.number > this.lastNumber) this.lastNumber = t.number;
    if (t.degraded) this.degraded.add(t.number);
  }

  addPackage(fileName: string, numbers: Iterable<number>): void {
    for (const n of numbers) this.packaged.set(n, fileName);
  }

  addAck(ack: { id: string; acknowledgedAt: string; documentNumber: string | null }): void {
    const n = this.numberOf(ack.id);
    if (n !== null) this.acks.set(n, { acknowledgedAt: ack.acknowledgedAt, documentNumber: ack.documentNumber ?? null });
  }

  isAcknowledged(number: number): boolean {
    return this.acks.has(number);
  }

  flags(number: number): TicketFlags {
    const ack = this.acks.get(number);
    return { degraded: this.degraded.has(number), packagedIn: this.packaged.get(number) ?? null, acknowledgedAt: ack?.acknowledgedAt ?? null, documentNumber: ack?.documentNumber ?? null };
  }

  counts(): LedgerCounts {
    let acknowledged = 0;
    let documents = 0;
    for (const [n, a] of this.acks) {
      if (n > this.lastNumber) continue;
      acknowledged++;
      if (a.documentNumber) documents++;
    }
    return { total: this.lastNumber, degraded: this.degraded.size, untransferred: this.lastNumber - acknowledged, packaged: this.packaged.size, acknowledged, documents };
  }

  /**
   * Tickets an extraction takes: never acknowledged ones (the server has them); `degraded` takes
   * only tickets sold degraded; already packaged ones only with includeSent.
   */
  selectForExtract(kind: PackageKind, includeSent: boolean): number[] {
    const out: number[] = [];
    for (let n = 1; n <= this.lastNumber; n++) {
      if (this.acks.has(n)) continue;
      if (!includeSent && this.packaged.has(n)) continue;
      if (kind === 'degraded' && !this.degraded.has(n)) continue;
      out.push(n);
    }
    return out;
  }
}
