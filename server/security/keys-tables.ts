/** Tables of the key model (server/security/keys-migration.ts). */
export interface TillKeysTable {
  till_id: string;
  /** sync/till-keys.ts keyIdOf: 16 hex digits of the SHA-256 of the DER public key. */
  key_id: string;
  /** SPKI PEM. Public: verifies, never signs. */
  public_key: string;
  registered_at: string;
  /** first-contact | package | key-change | enrolment */
  registered_via: string;
  /** Set when a key change replaced it: still verifies what it signed before. */
  retired_at: string | null;
  /** The signed key-change statement that brought this key in (JSON), if any. */
  statement: string | null;
}

export interface KeysTables {
  till_keys: TillKeysTable;
}
