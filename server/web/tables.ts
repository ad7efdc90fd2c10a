/** Tables owned by server/web/: back-office users and their sessions (merged into Database in db/schema.ts). */

export interface WebUsersTable {
  name: string;
  /** `scrypt$N$r$p$salt$hash` (hex): parameters travel with the hash so they can be raised later. */
  password_hash: string;
  created_at: string;
}

export interface WebSessionsTable {
  /** sha256 of the cookie token: a leaked table does not give live sessions away. */
  token_hash: string;
  user_name: string;
  created_at: string;
  expires_at: string;
}

export interface WebTables {
  web_users: WebUsersTable;
  web_sessions: WebSessionsTable;
}
