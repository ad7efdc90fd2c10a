/**
 * HTTP upload of a package to the store server (`POST <url>/api/packages`, raw zip body). The
 * server authenticates the till by its secret, then verifies the package signature itself.
 */
import { basename } from 'node:path';
import { TillsyncError } from '../errors.ts';
import { API, TILL_HEADER } from '../replication-protocol.ts';
import { readSource } from './lan-folder.ts';
import type { PackageTransport, SendResult } from './transport.ts';

export interface HttpUploadOptions {
  /** Server base URL, e.g. http://server:8080 (a path prefix is kept). */
  url: string;
  /** `<store>-<till>`, e.g. S1-01. */
  tillId: string;
  secret: string;
  timeoutMs?: number;
}

export class HttpUploadTransport implements PackageTransport {
  readonly channel = 'http' as const;
  readonly endpoint: string;

  constructor(private readonly opts: HttpUploadOptions) {
    if (!/^https?:\/\//i.test(opts.url)) throw new TillsyncError('bad-url', `"${opts.url}" is not an http(s) URL`, { hint: 'give the server address like http://server:8080' });
    this.endpoint = opts.url.replace(/\/+$/, '') + API.upload;
  }

  async send(filePath: string): Promise<SendResult> {
    const bytes = await readSource(filePath);
    const fileName = basename(filePath);
    let res: Response;
    try {
      res = await fetch(this.endpoint, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.opts.secret}`,
          [TILL_HEADER]: this.opts.tillId,
          'content-type': 'application/zip',
          'x-filename': fileName,
        },
        body: new Uint8Array(bytes),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 120_000),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name;
      const why = cause === 'ECONNREFUSED' ? 'connection refused' : cause === 'TimeoutError' ? 'no answer in time' : cause === 'ENOTFOUND' ? 'unknown host' : String(cause || (e as Error).message);
      throw new TillsyncError('server-unreachable', `cannot upload ${fileName} to ${this.endpoint}: ${why}`, {
        hint: 'check the server is started and the address, or send over the LAN folder or by mail',
        ref: { file: fileName },
        status: 502,
        cause: e,
      });
    }
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (a proxy's HTML page…): keep the text for the message.
    }
    if (!res.ok) {
      const b = body as { error?: { message?: string; hint?: string } | string; message?: string; hint?: string } | string | null;
      const inner = typeof b === 'object' && b !== null ? (typeof b.error === 'object' ? b.error : b) : null;
      const message = (inner && typeof inner === 'object' ? inner.message : undefined) ?? (typeof b === 'object' && b && typeof b.error === 'string' ? b.error : undefined) ?? (typeof b === 'string' && b ? b.slice(0, 200).replace(/\s+/g, ' ') : res.statusText);
      const hint = inner && typeof inner === 'object' && inner.hint ? inner.hint : 'see the server log book for details';
      throw new TillsyncError('upload-refused', `server refused ${fileName} (HTTP ${res.status}): ${message}`, { hint, ref: { file: fileName }, status: res.status });
    }
    return { channel: 'http', target: this.endpoint, detail: body };
  }
}
