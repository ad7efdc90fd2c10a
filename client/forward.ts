/**
 * While `till start` holds a store, the other till commands on the same --data go through its
 * local API instead of opening the store a second time.
 */
import { TillsyncError } from '../sync/errors.ts';
import { readApiToken, TOKEN_HEADER } from './api-token.ts';
import type { LockInfo } from './lock.ts';

export async function forwardToTill<T>(lock: LockInfo, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  // The running till's operator token, readable by the till's own user only.
  const token = lock.data ? readApiToken(lock.data) : null;
  // The API takes JSON only: a POST without a body sends {}.
  if (method === 'POST' && body === undefined) body = {};
  const url = `http://${lock.host && lock.host !== '0.0.0.0' && lock.host !== '::' ? lock.host : '127.0.0.1'}:${lock.port}/api/till${path}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { ...(token ? { [TOKEN_HEADER]: token } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(120_000),
    });
  } catch (e) {
    throw new TillsyncError('till-unreachable', `the running till (pid ${lock.pid}) does not answer on ${url}`, { hint: 'check that tillsync till start is healthy, or stop it', cause: e, status: 503 });
  }
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    throw new TillsyncError('till-unreachable', `the running till answered ${res.status} with something else than JSON on ${url}`, { status: 502 });
  }
  if (!res.ok) {
    const e = json?.error ?? {};
    throw new TillsyncError(e.code ?? 'error', e.message ?? `HTTP ${res.status}`, { hint: e.hint, ref: e.ref, status: res.status });
  }
  return json as T;
}
