import type { Generated } from 'kysely';

/**
 * One row per export file written (manual, at a closure or nightly). Entries written to it get
 * entries.export_id = id the first time they are exported; a re-export (--include-exported)
 * records its own row but leaves the first export id on the entries.
 */
export interface ExportsTable {
  id: Generated<number>;
  format: string; // fec | exact | csv
  /** Absolute path of the written file. */
  file: string;
  file_name: string;
  /** Period asked for, YYYY-MM-DD both inclusive. */
  date_from: string;
  date_to: string;
  store: string | null;
  /** manual | closure | nightly */
  trigger: string;
  include_exported: number; // 0 | 1
  entry_count: number;
  line_count: number;
  /** Σ debit and Σ credit of the lines written, decimal text. */
  total_debit: string;
  total_credit: string;
  first_entry: number | null;
  last_entry: number | null;
  /** sha256 of the file bytes, to prove later what was handed over. */
  sha256: string;
  /** JSON of the writer options (separator, decimal comma, numbering, encoding…). */
  options: string;
  pdf_count: number;
  created_at: string;
  /** Comma-separated recipients once mailed; mail_error when the last attempt failed. */
  mailed_to: string | null;
  mailed_at: string | null;
  mail_error: string | null;
  /** Export profile that wrote it (DATA/profiles/NAME.json); null for exports without a profile. */
  profile: string | null;
}

/** Entries written by a profile's export: once per (entry, profile); see profile-migration.ts. */
export interface ExportMarksTable {
  entry_id: number;
  profile: string;
  export_id: number;
}

export interface ExportsTables {
  exports: ExportsTable;
  export_marks: ExportMarksTable;
}
