/**
 * The security drill's tools that stand for an attacker's: raw HTTP (a browser or script sets Host
 * and Origin as it likes, which fetch() will not), an HTTP listener standing for the attacker's
 * server, a recording proxy standing for a LAN neighbour who reads the till's traffic, and raw
 * SMTP. All real sockets on loopback; nothing here is mocked.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { createConnection, type AddressInfo } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
  ms: number;
}

export function rawHttp(base: string, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number }): Promise<RawAnswer> {
  const u = new URL(base);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: Number(u.port), method: opts.method ?? 'GET', path: opts.path, headers: { host: u.host, ...opts.headers }, timeout: opts.timeoutMs ?? 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: any = null;
        try {
          json = JSON.parse(text);
        } catch {
          json = null;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, ms: performance.now() - started });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${opts.method ?? 'GET'} ${opts.path}: no answer in ${opts.timeoutMs ?? 30_000} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      // A server may cut an oversized upload short once it has answered: that is a refusal too.
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') resolve({ status: 0, headers: {}, text: e.code, json: null, ms: performance.now() - started });
      else reject(e);
    });
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

export interface Listener {
  url: string;
  hits: string[];
  close(): Promise<void>;
}

/** The attacker's HTTP server: records every request it gets. */
export async function attackerListener(): Promise<Listener> {
  const hits: string[] = [];
  const srv = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    req.resume();
    res.end('ok');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, hits, close: () => closeServer(srv) };
}

export interface WireTap {
  url: string;
  /** Every request header that crossed, as a LAN neighbour with a capture tool would see it. */
  requests: { method: string; path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/** A transparent HTTP proxy between the till and the server that keeps a copy of what crosses. */
export async function wireTap(target: string): Promise<WireTap> {
  const t = new URL(target);
  const requests: WireTap['requests'] = [];
  const srv = createServer((req, res) => {
    requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', headers: { ...req.headers } });
    const up = request({ host: t.hostname, port: Number(t.port), method: req.method, path: req.url, headers: { ...req.headers, host: t.host } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, requests, close: () => closeServer(srv) };
}

function closeServer(srv: Server): Promise<void> {
  return new Promise((r) => {
    srv.close(() => r());
    srv.closeAllConnections();
  });
}

/** SMTP by hand, not declaring SIZE, with `bytes` of body: the server's last reply line. */
export function rawSmtpMail(port: number, from: string, to: string, bytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    let buf = '';
    const steps = ['EHLO junk.example\r\n', `MAIL FROM:<${from}>\r\n`, `RCPT TO:<${to}>\r\n`, 'DATA\r\n'];
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\r\n').filter(Boolean);
      const last = lines[lines.length - 1] ?? '';
      if (!/^\d{3} /.test(last)) return;
      buf = '';
      if (last.startsWith('354')) {
        const line = 'J'.repeat(998) + '\r\n';
        sock.write(`From: <${from}>\r\nTo: <${to}>\r\nSubject: junk\r\n\r\n`);
        let sent = 0;
        const pump = () => {
          while (sent < bytes) {
            sent += line.length;
            if (!sock.write(line)) return void sock.once('drain', pump);
          }
          sock.write('.\r\n');
        };
        pump();
        return;
      }
      const next = steps.shift();
      if (next && /^2\d\d /.test(last)) sock.write(next);
      else {
        sock.end('QUIT\r\n');
        resolve(last);
      }
    });
    sock.on('error', reject);
  });
}
