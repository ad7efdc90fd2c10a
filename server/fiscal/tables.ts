/** Tables of server/fiscal/ (migration.ts): the technical-event journals the server keeps. */
export interface JournalEventsTable {
  /** `${origin}-E${seq padded}`. */
  id: string;
  /** `S1-01` for a till's journal, `server` for the server's own. */
  origin: string;
  seq: number;
  at: string;
  type: string;
  /** The signed event, canonical JSON (sync/jet.ts). */
  content: string;
  received_at: string;
}

/** Public keys tills sent with their closures and journals, kept for the archives (the key registry decides trust). */
export interface SeenTillKeysTable {
  key_id: string;
  till_id: string;
  public_key: string;
  first_seen: string;
}

export interface FiscalTables {
  journal_events: JournalEventsTable;
  seen_till_keys: SeenTillKeysTable;
}
