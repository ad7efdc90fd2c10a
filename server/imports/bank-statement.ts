/**
 * A bank statement as the matcher sees it, whatever the file format (camt.ts, cfonb.ts): one
 * transaction per booked amount. A batch-booked entry (camt: one Ntry with several TxDtls — a
 * remittance of cheques, a card settlement, several transfers credited together) gives one
 * transaction per detail, each with its own amount and remittance information, so each can pay
 * its own invoice.
 */
import type { Dec } from '../../sync/money.ts';

export interface BankTransaction {
  /** Stable identity across imports of the same statement (idempotence). */
  key: string;
  /** Where it is in the file, for verdicts: "statement S1 entry 3 detail 2", "line 14". */
  where: string;
  /** Position used for sorting and as the verdict's line number. */
  line: number;
  statement: string;
  account: string;
  /** Booking date YYYY-MM-DD. */
  date: string;
  /** > 0 */
  amount: Dec;
  credit: boolean;
  currency: string;
  /** Payer's name (camt Dbtr/Nm, CFONB NPY), when given. */
  name: string | null;
  /** Every free text of the transaction that may name an invoice: remittance, references, labels. */
  remittance: string;
  /** Bank's reference (piece of the bank entry). */
  reference: string;
}

export interface BankFile {
  format: 'camt.053.001.02' | 'camt.053.001.08' | 'cfonb120';
  statements: { id: string; account: string; transactions: number }[];
  transactions: BankTransaction[];
  /** Parts of the file that could not be read: line/place + reason; the rest still imports. */
  problems: { line: number; message: string }[];
}
