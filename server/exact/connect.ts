/**
 * Connecting tillsync to an Exact Online division (seed 000: "ouvrir une page WEB pour vérifier
 * l'identification du compte Exact et recevoir un Token…; ensuite l'application demande de choisir la
 * Division. La sélection est obligatoire."), OAuth 2 authorisation-code flow:
 *
 *   1. beginConnect writes the app registration and a random `state` (pending) and gives the
 *      authorisation URL to open in a browser;
 *   2. Exact sends the browser back to the redirect URI with `code` and `state`: either to
 *      `/exact/callback` of `server start` (webhook-route.ts calls completeConnect), or the user
 *      pastes the code (or the whole address) into `server exact connect --paste`;
 *   3. completeConnect checks the state, trades the code for tokens, reads the divisions and
 *      keeps the chosen one (the only one, or --division; with several and none chosen the link
 *      waits for `server exact division N`).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { rmSync } from 'node:fs';
import { TillsyncError } from '../../sync/errors.ts';
import { appendDayLog } from '../log-book.ts';
import { EXACT_HOSTS, exactFile, hasConnection, readConnection, writeConnection, type ExactConnection } from './connection-store.ts';
import { ExactApi, tokenRequest, withTokens } from './exact-api.ts';

export interface ConnectRequest {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Base URL, or a country code of EXACT_HOSTS (nl, be, fr, uk, de, es, us). */
  baseUrl: string;
  webhookSecret?: string | null;
  webhookUrl?: string | null;
  pullMinutes?: number | null;
  division?: number | null;
}

export interface Division {
  code: number;
  name: string;
}

export interface ConnectOutcome {
  division: number | null;
  divisionName: string | null;
  divisions: Division[];
  accessExpiresAt: string | null;
  message: string;
}

export function resolveBaseUrl(v: string): string {
  const host = EXACT_HOSTS[v.toLowerCase()];
  const url = (host ?? v).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+$/.test(url)) throw new TillsyncError('usage', `--base-url ${v} is neither a country (${Object.keys(EXACT_HOSTS).join(', ')}) nor a base URL like https://start.exactonline.fr`, { hint: 'give the Exact Online host of your country' });
  return url;
}

export function authorizeUrl(c: Pick<ExactConnection, 'baseUrl' | 'clientId' | 'redirectUri'>, state: string): string {
  const u = new URL(`${c.baseUrl}/api/oauth2/auth`);
  u.searchParams.set('client_id', c.clientId);
  u.searchParams.set('redirect_uri', c.redirectUri);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('state', state);
  return u.toString();
}

/** Step 1: the registration saved, a fresh state pending; the URL to open. Tokens of an earlier connection are dropped. */
export async function beginConnect(data: string, req: ConnectRequest): Promise<{ url: string; state: string }> {
  if (!req.clientId.trim() || !req.clientSecret.trim()) throw new TillsyncError('usage', 'the client id and client secret of your Exact app are needed', { hint: 'register an app in the Exact App Center (docs/exact-online.md) and give --client-id and --client-secret' });
  const state = randomBytes(18).toString('base64url');
  const before = hasConnection(data) ? readConnection(data) : null;
  const c: ExactConnection = {
    baseUrl: resolveBaseUrl(req.baseUrl), clientId: req.clientId.trim(), clientSecret: req.clientSecret.trim(), redirectUri: req.redirectUri,
    webhookSecret: req.webhookSecret ?? before?.webhookSecret ?? null, webhookUrl: req.webhookUrl ?? before?.webhookUrl ?? null, pullMinutes: req.pullMinutes ?? before?.pullMinutes ?? null,
    division: req.division ?? null, divisionName: null, refreshToken: null, accessToken: null, accessExpiresAt: null, connectedAt: null, refreshedAt: null, pendingState: state, rate: null,
  };
  await writeConnection(data, c);
  return { url: authorizeUrl(c, state), state };
}

/** What the user pasted: the code alone, or the whole address Exact redirected to (code and state read from it). */
export function readPasted(text: string): { code: string; state: string | null } {
  const t = text.trim();
  if (/^https?:\/\//.test(t) || t.startsWith('?') || t.includes('code=')) {
    const q = new URL(t.startsWith('http') ? t : `http://x/${t.startsWith('?') ? t : `?${t}`}`).searchParams;
    const code = q.get('code');
    if (!code) throw new TillsyncError('usage', 'the address pasted holds no code=…', { hint: 'paste the whole address the browser shows after you allowed the app, or just the code' });
    return { code, state: q.get('state') };
  }
  if (!/^[\w.~%+/=-]{4,2048}$/.test(t)) throw new TillsyncError('usage', 'that does not look like an authorisation code', { hint: 'paste the whole address the browser shows after you allowed the app, or just the code' });
  return { code: decodeURIComponent(t), state: null };
}

function sameState(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Step 3: the code traded for tokens, divisions read, one chosen when it can be. */
export async function completeConnect(data: string, code: string, state: string | null): Promise<ConnectOutcome> {
  const c = readConnection(data);
  if (!c.pendingState) throw new TillsyncError('exact-no-pending', 'no Exact Online connection is waiting for a code', { hint: `start one: tillsync server exact connect --data ${data}` });
  // The callback must carry our state (CSRF); a pasted bare code comes from the user's own terminal.
  if (state !== null && !sameState(state, c.pendingState)) throw new TillsyncError('exact-state', 'the authorisation answer does not belong to this connection (state differs)', { hint: 'start the connection again: tillsync server exact connect', status: 400 });
  const t = await tokenRequest(c.baseUrl, { grant_type: 'authorization_code', code, redirect_uri: c.redirectUri, client_id: c.clientId, client_secret: c.clientSecret });
  const connected: ExactConnection = { ...withTokens(c, t), pendingState: null, connectedAt: new Date().toISOString() };
  await writeConnection(data, connected);
  const api = new ExactApi(data);
  const divisions = await listDivisions(api);
  // --division given but not the user's: nothing chosen, the message lists what is.
  const chosen = connected.division !== null ? divisions.find((d) => d.code === connected.division) ?? null : divisions.length === 1 ? divisions[0] : null;
  const saved = { ...readConnection(data), division: chosen?.code ?? null, divisionName: chosen?.name ?? null };
  await writeConnection(data, saved);
  appendDayLog(data, `EXACT connected to ${c.baseUrl}${chosen ? `, division ${chosen.code} ${chosen.name}` : ', no division chosen yet'}`);
  const list = divisions.map((d) => `${d.code} ${d.name}`).join(', ');
  return {
    division: saved.division, divisionName: saved.divisionName, divisions, accessExpiresAt: saved.accessExpiresAt,
    message: chosen ? `connected to Exact Online (${c.baseUrl}), division ${chosen.code} ${chosen.name}` : `connected to Exact Online (${c.baseUrl}); choose the division (required): ${list} — tillsync server exact division --data ${data} NUMBER`,
  };
}

/** The divisions the user may use: the current one (api/v1/current/Me) first, then system/Divisions of it. */
export async function listDivisions(api: ExactApi): Promise<Division[]> {
  const me = await api.list<{ CurrentDivision: number }>('/api/v1/current/Me');
  const current = me[0]?.CurrentDivision;
  if (!current) throw new TillsyncError('exact-api', 'Exact Online did not say the current division (current/Me)', { hint: 'check the user has access to a division in Exact' });
  const rows = await api.list<{ Code: number; Description: string }>(`/api/v1/${current}/system/Divisions?$select=Code,Description`);
  const out = rows.map((r) => ({ code: Number(r.Code), name: String(r.Description ?? '') }));
  if (!out.some((d) => d.code === current)) out.unshift({ code: current, name: '' });
  return out;
}

export async function chooseDivision(data: string, division: number): Promise<Division> {
  const api = new ExactApi(data);
  const divisions = await listDivisions(api);
  const d = divisions.find((x) => x.code === division);
  if (!d) throw new TillsyncError('exact-division', `division ${division} is not one of this Exact user's: ${divisions.map((x) => `${x.code} ${x.name}`).join(', ')}`, { hint: 'give one of those numbers' });
  await writeConnection(data, { ...readConnection(data), division: d.code, divisionName: d.name });
  appendDayLog(data, `EXACT division ${d.code} ${d.name} chosen`);
  return d;
}

export interface ExactStatus {
  connected: boolean;
  baseUrl: string | null;
  division: number | null;
  divisionName: string | null;
  accessExpiresAt: string | null;
  refreshedAt: string | null;
  pending: boolean;
  rate: ExactConnection['rate'];
  webhookUrl: string | null;
  pullMinutes: number | null;
}

export function exactStatus(data: string): ExactStatus {
  if (!hasConnection(data)) return { connected: false, baseUrl: null, division: null, divisionName: null, accessExpiresAt: null, refreshedAt: null, pending: false, rate: null, webhookUrl: null, pullMinutes: null };
  const c = readConnection(data);
  return { connected: Boolean(c.refreshToken), baseUrl: c.baseUrl, division: c.division, divisionName: c.divisionName, accessExpiresAt: c.accessExpiresAt, refreshedAt: c.refreshedAt, pending: Boolean(c.pendingState), rate: c.rate, webhookUrl: c.webhookUrl, pullMinutes: c.pullMinutes };
}

export function renderStatus(s: ExactStatus, data: string): string {
  if (!s.connected && !s.pending) return `Exact Online: not connected (tillsync server exact connect --data ${data})`;
  if (!s.connected) return `Exact Online: connection started, waiting for the authorisation code (${s.baseUrl})`;
  const r = s.rate;
  return [
    `Exact Online: connected to ${s.baseUrl}, division ${s.division === null ? 'not chosen (tillsync server exact division NUMBER)' : `${s.division} ${s.divisionName ?? ''}`.trim()}`,
    `  access token until ${s.accessExpiresAt ?? '-'} (refreshed ${s.refreshedAt ?? '-'}; refreshed by itself before it ends)`,
    `  rate limits: ${r ? `${r.minutelyRemaining ?? '?'} calls left this minute, ${r.dailyRemaining ?? '?'} today (seen ${r.at})` : 'not seen yet'}`,
    `  payments pulled ${s.pullMinutes ? `every ${s.pullMinutes} min by server start` : 'by hand (pull-payments)'}${s.webhookUrl ? `, webhooks to ${s.webhookUrl}` : ''}`,
  ].join('\n');
}

/** Forgets the link: the state file (tokens, secrets) is removed. The app stays allowed in Exact until revoked there. */
export function disconnect(data: string): boolean {
  if (!hasConnection(data)) return false;
  rmSync(exactFile(data));
  appendDayLog(data, 'EXACT disconnected: tokens removed');
  return true;
}
