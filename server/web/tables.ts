/** Tables owned by server/web/: back-office users and their sessions (merged into Database in db/schema.ts). */

export interface WebUsersTable {
  name: string;
  /** `scrypt$N$r$p$salt$hash` (hex): parameters travel with the hash so they can be raised later. */
  password_hash: string;
  created_at: string;
  /** admin | staff (users.ts); users made before roles existed are admin. */
  role: string;
  /** Set while the user may not log in. */
  disabled_at: string | null;
}

export interface WebSessionsTable {
  /** sha256 of the cookie token: a leaked table does not give live sessions away. */
  token_hash: string;
  user_name: string;
  created_at: string;
  expires_at: string;
}

/** Every login try of the back office, right or wrong, for the security page (kept 30 days). */
export interface WebLoginAttemptsTable {
  at: string;
  /** The name typed (truncated to 64), whether or not such a user exists. */
  name: string;
  address: string;
  /** ok | wrong | throttled */
  outcome: string;
}

export interface WebTables {
  web_users: WebUsersTable;
  web_sessions: WebSessionsTable;
  web_login_attempts: WebLoginAttemptsTable;
}
