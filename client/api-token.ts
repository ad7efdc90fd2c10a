/**
 * The local API's two bearer tokens, both random per `till start`:
 *  - the operator token, written to DATA/api-token (mode 0600): the till's own OS user (the CLI
 *    commands that forward to the running till) reads it; it may name any destination, as the same
 *    user could by running the command with the till stopped;
 *  - the cashier token, held in memory and handed to the register page inside the page itself
 *    (same-origin load, see register-page.ts): it may only send to destinations configured at
 *    `till init`, so a page that leaks it cannot be turned into an exfiltration tool.
 * Neither is a secret of the server: they open nothing beyond this till's loopback API.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const API_TOKEN_FILE = 'api-token';
/** Header every `/api/till/*` call carries. */
export const TOKEN_HEADER = 'x-till-token';

export type ApiCaller = 'operator' | 'cashier';

export interface ApiTokens {
  operator: string;
  cashier: string;
}

export function apiTokenPath(dataDir: string): string {
  return join(resolve(dataDir), API_TOKEN_FILE);
}

/** New tokens for this run; the operator's replaces the file atomically, readable by its owner only. */
export function createApiTokens(dataDir: string): ApiTokens {
  const tokens = { operator: randomBytes(32).toString('base64url'), cashier: randomBytes(32).toString('base64url') };
  const path = apiTokenPath(dataDir);
  const part = `${path}.${process.pid}.part`;
  writeFileSync(part, `${tokens.operator}\n`, { mode: 0o600 });
  chmodSync(part, 0o600); // the umask may have widened nothing, but an old file of that name might exist
  renameSync(part, path);
  return tokens;
}

/** The operator token of the running till of this folder, or null when there is none. */
export function readApiToken(dataDir: string): string | null {
  try {
    return readFileSync(apiTokenPath(dataDir), 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** At stop: the file goes if it still holds this run's token (a newer start may have replaced it). */
export function removeApiToken(dataDir: string, tokens: ApiTokens): void {
  if (readApiToken(dataDir) !== tokens.operator) return;
  try {
    unlinkSync(apiTokenPath(dataDir));
  } catch {
    // already gone
  }
}

/** Which token a request carries, compared in constant time; null for none or a wrong one. */
export function callerOf(tokens: ApiTokens, given: string | undefined): ApiCaller | null {
  if (!given) return null;
  const g = Buffer.from(given);
  const same = (t: string) => {
    const b = Buffer.from(t);
    return b.length === g.length && timingSafeEqual(b, g);
  };
  if (same(tokens.operator)) return 'operator';
  if (same(tokens.cashier)) return 'cashier';
  return null;
}
