import type { Generated } from 'kysely';

/**
 * One row per sales entry tillsync started sending to Exact Online, written BEFORE the POST
 * (state `sending`) and marked `sent` with Exact's ids in the same transaction that marks the
 * books' entry exported. A row still `sending` after a crash, or any row of an entry whose export
 * was reset, makes the next push look the invoice up in Exact (YourRef) before sending: found, it is
 * recorded, not sent again.
 */
export interface ExactSendsTable {
  id: Generated<number>;
  /** The invoice / credit note number (Exact YourRef). */
  piece: string;
  /** Exact journal code it went to. */
  journal: string;
  entry_id: number;
  /** sending | sent */
  state: string;
  exact_entry_id: string | null;
  exact_entry_number: number | null;
  /** Exact document holding the PDF, when one was attached. */
  exact_document_id: string | null;
  /** The exports row (format exact-online) of the push that recorded it. */
  export_id: number | null;
  division: number;
  started_at: string;
  sent_at: string | null;
}

export interface ExactTables {
  exact_sends: ExactSendsTable;
}
