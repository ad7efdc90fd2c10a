/**
 * The live link's state, DATA/exact-online.json (mode 0600): where Exact Online is (the country's
 * host), the app registration (client id, secret), the division chosen, the tokens, the last
 * rate-limit headroom seen. Secrets (client secret, webhook secret, refresh and access tokens) are
 * wrapped with the data folder's secrets key (security/secrets-at-rest.ts), each bound to its own
 * purpose, so a copy of the file alone lets nobody call Exact in the shop's name.
 *
 * Writes are atomic and durable: the new state goes to `<file>.<pid>.part`, is fsynced, renamed over
 * the old one and the folder fsynced. A refresh token rotated by Exact is therefore either the old
 * file or the new one, never half of each and never nothing (see exact-api.ts for the order).
 */
import { chmodSync, existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import * as z from '../../sync/zod-mini.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { fsyncDir, writeDurably } from '../../sync/atomic-file.ts';
import { unwrapSecret, wrapSecret } from '../security/secrets-at-rest.ts';

export const EXACT_FILE = 'exact-online.json';

/** Exact Online runs one host per country (docs/exact-online.md lists them). */
export const EXACT_HOSTS: Record<string, string> = {
  nl: 'https://start.exactonline.nl',
  be: 'https://start.exactonline.be',
  fr: 'https://start.exactonline.fr',
  uk: 'https://start.exactonline.co.uk',
  de: 'https://start.exactonline.de',
  es: 'https://start.exactonline.es',
  us: 'https://start.exactonline.com',
};

export interface RateHeadroom {
  minutelyRemaining: number | null;
  minutelyReset: number | null;
  dailyRemaining: number | null;
  dailyReset: number | null;
  at: string;
}

export interface ExactConnection {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  webhookSecret: string | null;
  /** Public URL Exact calls back with webhooks (…/exact/webhook of server start); null = none. */
  webhookUrl: string | null;
  /** Minutes between two pulls of payments by server start; null = not scheduled. */
  pullMinutes: number | null;
  division: number | null;
  divisionName: string | null;
  refreshToken: string | null;
  accessToken: string | null;
  /** ISO time the access token stops working. */
  accessExpiresAt: string | null;
  connectedAt: string | null;
  refreshedAt: string | null;
  /** A connect waiting for its callback: the OAuth state it sent. */
  pendingState: string | null;
  rate: RateHeadroom | null;
}

const stored = z.object({
  baseUrl: z.url(),
  clientId: z.string().check(z.minLength(1)),
  clientSecret: z.string().check(z.minLength(1)),
  redirectUri: z.url(),
  webhookSecret: z._default(z.nullable(z.string()), null),
  webhookUrl: z._default(z.nullable(z.url()), null),
  pullMinutes: z._default(z.nullable(z.int().check(z.minimum(1), z.maximum(1440))), null),
  division: z._default(z.nullable(z.int()), null),
  divisionName: z._default(z.nullable(z.string()), null),
  refreshToken: z._default(z.nullable(z.string()), null),
  accessToken: z._default(z.nullable(z.string()), null),
  accessExpiresAt: z._default(z.nullable(z.string()), null),
  connectedAt: z._default(z.nullable(z.string()), null),
  refreshedAt: z._default(z.nullable(z.string()), null),
  pendingState: z._default(z.nullable(z.string()), null),
  rate: z._default(z.nullable(z.object({ minutelyRemaining: z.nullable(z.number()), minutelyReset: z.nullable(z.number()), dailyRemaining: z.nullable(z.number()), dailyReset: z.nullable(z.number()), at: z.string() })), null),
});

const SECRET_FIELDS = ['clientSecret', 'webhookSecret', 'refreshToken', 'accessToken'] as const;
const purpose = (f: string) => `exact-online:${f}`;

export function exactFile(data: string): string {
  return join(data, EXACT_FILE);
}

export function hasConnection(data: string): boolean {
  return existsSync(exactFile(data));
}

export function readConnection(data: string): ExactConnection {
  const file = exactFile(data);
  if (!existsSync(file)) throw new TillsyncError('exact-not-connected', 'Exact Online is not connected', { hint: `connect first: tillsync server exact connect --data ${data} --client-id … --client-secret …` });
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new TillsyncError('exact-bad-file', `${file} is not JSON: ${(e as Error).message}`, { hint: 'move it away and connect again (tillsync server exact connect)', ref: { file } });
  }
  const r = stored.safeParse(json);
  if (!r.success) throw new TillsyncError('exact-bad-file', `${file}: ${r.error.issues[0].path.join('.')}: ${r.error.issues[0].message}`, { hint: 'move it away and connect again (tillsync server exact connect)', ref: { file } });
  const c = r.data as ExactConnection;
  for (const f of SECRET_FIELDS) if (c[f]) (c as unknown as Record<string, string>)[f] = unwrapSecret(data, purpose(f), c[f]!);
  return c;
}

/** Writes the whole state atomically and durably (see the header). */
export async function writeConnection(data: string, c: ExactConnection): Promise<void> {
  const out: Record<string, unknown> = { ...c };
  for (const f of SECRET_FIELDS) if (c[f]) out[f] = wrapSecret(data, purpose(f), c[f]!);
  const file = exactFile(data);
  const part = `${file}.${process.pid}.part`;
  await writeDurably(part, Buffer.from(`${JSON.stringify(out, null, 2)}\n`));
  chmodSync(part, 0o600);
  renameSync(part, file);
  await fsyncDir(data);
}
