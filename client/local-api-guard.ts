/**
 * The doors of `till start`'s HTTP listener, checked before any handler or body parser runs:
 *  - Host must name this listener (its bound address, localhost, 127.0.0.1 or [::1], with its
 *    port): a page on a rebound DNS name (evil.example → 127.0.0.1) is refused, page included;
 *  - Origin, when a browser sends one, must be one of those same names;
 *  - every /api/till call carries a token (api-token.ts) in the x-till-token header;
 *  - a POST must say application/json: form encodings and text/plain (what a cross-site form or
 *    a "simple" cross-site fetch can send) are refused.
 * Each refusal answers one JSON line and is written to the till's day log (at most one line per
 * kind of refusal every 10 s, with a count, so a flood cannot fill the disk).
 */
import { networkInterfaces } from 'node:os';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { callerOf, TOKEN_HEADER, type ApiTokens } from './api-token.ts';
import { logTillEvent } from './day-log.ts';

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

const ANY = new Set(['0.0.0.0', '::', '']);

/** Every `host:port` a browser may legitimately put in Host for this listener. */
export function allowedHosts(boundHost: string, port: number): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '[::1]']);
  if (ANY.has(boundHost)) {
    // Listening on every interface (--allow-lan): each address of this machine is a name of ours.
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(a.family === 'IPv6' ? `[${a.address.split('%')[0]}]` : a.address);
  } else names.add(boundHost.includes(':') && !boundHost.startsWith('[') ? `[${boundHost}]` : boundHost);
  const out = new Set<string>();
  for (const n of names) {
    out.add(`${n.toLowerCase()}:${port}`);
    if (port === 80) out.add(n.toLowerCase());
  }
  return out;
}

interface Refusal {
  status: number;
  code: string;
  message: string;
  hint: string;
}

const REFUSALS = {
  host: { status: 421, code: 'wrong-host', message: 'request for another host name refused', hint: 'open the register at http://127.0.0.1:PORT/ (or the address till start printed)' },
  origin: { status: 403, code: 'foreign-origin', message: 'request from another site refused', hint: 'only the register page served by this till may call its API' },
  token: { status: 401, code: 'token-required', message: 'the till API needs the x-till-token header', hint: 'use the register page served by till start, or the tillsync till commands (they read DATA/api-token)' },
  json: { status: 415, code: 'json-only', message: 'the till API takes application/json bodies only', hint: 'send the body as JSON with Content-Type: application/json' },
} satisfies Record<string, Refusal>;

export type RefusalKind = keyof typeof REFUSALS;

/** Rate-limited log of refusals: the first of each kind at once, then a count every 10 s. */
function refusalLog(dataDir: string, everyMs = 10_000): (kind: RefusalKind, detail: string) => void {
  const last = new Map<RefusalKind, { at: number; held: number }>();
  return (kind, detail) => {
    const now = Date.now();
    const cur = last.get(kind);
    if (cur && now - cur.at < everyMs) {
      cur.held++;
      return;
    }
    const more = cur?.held ? ` (+${cur.held} more refused since the last line)` : '';
    logTillEvent(dataDir, 'warning', `local API refused (${REFUSALS[kind].code}): ${detail}${more}`);
    last.set(kind, { at: now, held: 0 });
  };
}

function refuse(res: Response, kind: RefusalKind, port: number): void {
  const r = REFUSALS[kind];
  res.status(r.status).set('Cache-Control', 'no-store').json({ error: { code: r.code, message: r.message, hint: r.hint.replace('PORT', String(port)), ref: {} } });
}

export interface LocalGuards {
  /** App-wide: Host and Origin (the page itself included: it carries the cashier's token). */
  site: RequestHandler;
  /** /api/till: token and JSON-only; sets res.locals.caller. */
  api: RequestHandler;
}

export function localApiGuards(opts: { dataDir: string; boundHost: string; port: number; tokens: ApiTokens }): LocalGuards {
  const hosts = allowedHosts(opts.boundHost, opts.port);
  const log = refusalLog(opts.dataDir);
  const describe = (req: Request) => `${req.method} ${req.originalUrl.split('?')[0].slice(0, 120)} from ${req.socket.remoteAddress ?? '?'}`;
  return {
    site(req: Request, res: Response, next: NextFunction) {
      const host = String(req.headers.host ?? '').toLowerCase();
      if (!hosts.has(host)) {
        log('host', `${describe(req)} with Host "${host.slice(0, 80)}"`);
        return refuse(res, 'host', opts.port);
      }
      const origin = req.headers.origin;
      if (origin !== undefined) {
        let ok = false;
        try {
          const u = new URL(origin);
          ok = u.protocol === 'http:' && hosts.has(u.host.toLowerCase()) && u.host.toLowerCase() === host;
        } catch {
          ok = false; // "null" (sandboxed frame, file:) or garbage
        }
        if (!ok) {
          log('origin', `${describe(req)} with Origin "${String(origin).slice(0, 80)}"`);
          return refuse(res, 'origin', opts.port);
        }
      }
      next();
    },
    api(req: Request, res: Response, next: NextFunction) {
      const caller = callerOf(opts.tokens, req.get(TOKEN_HEADER));
      if (!caller) {
        log('token', describe(req));
        return refuse(res, 'token', opts.port);
      }
      if (req.method !== 'GET' && req.method !== 'HEAD' && !req.is('application/json')) {
        log('json', `${describe(req)} with Content-Type "${String(req.headers['content-type'] ?? '').slice(0, 60)}"`);
        return refuse(res, 'json', opts.port);
      }
      res.locals.caller = caller;
      next();
    },
  };
}
