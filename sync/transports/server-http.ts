/**
 * The till's one way to talk to its store server: node:http(s) with, under TLS, the server
 * certificate PINNED by its SHA-256 fingerprint (given at enrolment). The fingerprint is checked
 * on every new connection BEFORE a byte of the request is written; a server presenting another
 * certificate is refused with one line. Without a pin, https:// uses the system's CAs (a reverse
 * proxy with a public certificate). Requests are signed with the till's auth secret when given.
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { TillsyncError } from '../errors.ts';
import { signRequest } from '../request-auth.ts';

export interface ServerEndpoint {
  /** Base URL, e.g. https://server:8480 (a path prefix is kept). */
  url: string;
  /** SHA-256 fingerprint of the server certificate (`AB:CD:…`, colons and case free). */
  fingerprint?: string | null;
}

export interface ServerCredentials {
  /** `S1-01` */
  till: string;
  authSecret: string;
}

export interface ServerCall {
  method: 'GET' | 'POST';
  /** Path and query, e.g. /api/replication/acks/pull?limit=500. */
  path: string;
  body?: Buffer | string;
  headers?: Record<string, string>;
  timeoutMs: number;
  credentials?: ServerCredentials;
}

export interface ServerAnswer {
  status: number;
  text: string;
}

/** `ab:cd…`/`ABCD…` → `AB:CD:…` (the form node and openssl print). */
export function normalizeFingerprint(fp: string): string {
  const hex = fp.replace(/^sha256[:/]?/i, '').replace(/[^0-9a-f]/gi, '').toUpperCase();
  if (hex.length !== 64) throw new TillsyncError('usage', `"${fp}" is not a SHA-256 certificate fingerprint`, { hint: 'give the 64 hex digits printed by tillsync server init (colons optional)' });
  return hex.match(/../g)!.join(':');
}

const agents = new Map<string, http.Agent>();

function agentFor(url: URL, fingerprint: string | null): http.Agent {
  const key = `${url.protocol}//${url.host} ${fingerprint ?? ''}`;
  let agent = agents.get(key);
  if (agent) return agent;
  if (url.protocol === 'http:') agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  else if (!fingerprint) agent = new https.Agent({ keepAlive: true, maxSockets: 16 });
  else agent = pinnedAgent(url, fingerprint);
  agents.set(key, agent);
  return agent;
}

/** An https agent whose sockets are handed to a request only once the certificate matches the pin. */
function pinnedAgent(url: URL, pin: string): https.Agent {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 16 });
  (agent as any).createConnection = (options: tls.ConnectionOptions, done: (err: Error | null, socket?: tls.TLSSocket) => void) => {
    // The CA chain of a self-signed certificate cannot verify; the pin replaces it, checked below.
    const socket = tls.connect({ ...options, rejectUnauthorized: false });
    socket.once('secureConnect', () => {
      const got = socket.getPeerCertificate()?.fingerprint256 ?? '';
      if (got && got.toUpperCase() === pin) return done(null, socket);
      socket.destroy();
      done(
        new TillsyncError('server-pin-mismatch', `server ${url.origin} presents certificate SHA-256 ${got || 'none'}, not the pinned ${pin}: refused`, {
          hint: 'someone may be impersonating the server; if its certificate was renewed, give the till the new fingerprint (tillsync till init --server-fingerprint …)',
          status: 495,
        }),
      );
    });
    socket.once('error', (e) => done(e));
    return undefined;
  };
  return agent;
}

export async function serverRequest(endpoint: ServerEndpoint, call: ServerCall): Promise<ServerAnswer> {
  const base = new URL(endpoint.url.replace(/\/+$/, '') + '/');
  const url = new URL(base.pathname.replace(/\/$/, '') + call.path, base);
  const pin = endpoint.fingerprint ? normalizeFingerprint(endpoint.fingerprint) : null;
  const signedPath = url.pathname + url.search;
  const auth = call.credentials ? signRequest({ authSecret: call.credentials.authSecret, till: call.credentials.till, method: call.method, path: signedPath, body: call.body }) : {};
  const body = call.body === undefined ? undefined : Buffer.isBuffer(call.body) ? call.body : Buffer.from(call.body, 'utf8');
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise<ServerAnswer>((resolve, reject) => {
    const req = lib.request(
      url,
      {
        method: call.method,
        agent: agentFor(url, pin),
        headers: { ...(call.headers ?? {}), ...auth, ...(body ? { 'content-length': String(body.length) } : {}) },
        signal: AbortSignal.timeout(call.timeoutMs),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A short reason for a failed request (for one-line errors). */
export function whyUnreachable(e: unknown): string {
  if (e instanceof TillsyncError) return e.message;
  const code = (e as NodeJS.ErrnoException)?.code ?? (e as Error)?.name;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ABORT_ERR' || code === 'AbortError' || code === 'TimeoutError') return 'no answer in time';
  if (code === 'ENOTFOUND') return 'unknown host';
  if (code === 'ECONNRESET') return 'connection reset';
  return String(code || (e as Error)?.message || e);
}
