/** What export-run.ts asks of every writer: the file's head, each entry's records, its tail, the warnings met. */
import type { LedgerEntry } from '../ledger-model.ts';

export interface FormatWriter {
  head(): string;
  entry(e: LedgerEntry): string;
  tail(): string;
  readonly warnings: string[];
}
