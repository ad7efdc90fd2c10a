/**
 * HTTP upload of a package to the store server (`POST <url>/api/packages`, raw zip body). The
 * request is signed with the till's auth secret (no secret on the wire), the server certificate
 * pinned under TLS; the server then verifies the package's own signature (the till's key).
 */
import { basename } from 'node:path';
import { TillsyncError } from '../errors.ts';
import { API } from '../replication-protocol.ts';
import { serverRequest, whyUnreachable } from './server-http.ts';
import { readSource } from './lan-folder.ts';
import type { PackageTransport, SendResult } from './transport.ts';

export interface HttpUploadOptions {
  /** Server base URL, e.g. http://server:8080 (a path prefix is kept). */
  url: string;
  /** `<store>-<till>`, e.g. S1-01. */
  tillId: string;
  /** The till's auth secret (signs the request; never sent). */
  secret: string;
  /** SHA-256 fingerprint of the server certificate, pinned (https). */
  fingerprint?: string | null;
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
    let res: { status: number; text: string };
    try {
      res = await serverRequest(
        { url: this.opts.url, fingerprint: this.opts.fingerprint },
        {
          method: 'POST',
          path: API.upload,
          body: bytes,
          headers: { 'content-type': 'application/zip', 'x-filename': fileName },
          timeoutMs: this.opts.timeoutMs ?? 120_000,
          credentials: { till: this.opts.tillId, authSecret: this.opts.secret },
        },
      );
    } catch (e) {
      const why = whyUnreachable(e);
      throw new TillsyncError(e instanceof TillsyncError ? e.code : 'server-unreachable', `cannot upload ${fileName} to ${this.endpoint}: ${why}`, {
        hint: e instanceof TillsyncError && e.hint ? e.hint : 'check the server is started and the address, or send over the LAN folder or by mail',
        ref: { file: fileName },
        status: 502,
        cause: e,
      });
    }
    const text = res.text;
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (a proxy's HTML page…): keep the text for the message.
    }
    if (res.status < 200 || res.status > 299) {
      const b = body as { error?: { message?: string; hint?: string } | string; message?: string; hint?: string } | string | null;
      const inner = typeof b === 'object' && b !== null ? (typeof b.error === 'object' ? b.error : b) : null;
      const message = (inner && typeof inner === 'object' ? inner.message : undefined) ?? (typeof b === 'object' && b && typeof b.error === 'string' ? b.error : undefined) ?? (typeof b === 'string' && b ? b.slice(0, 200).replace(/\s+/g, ' ') : `HTTP ${res.status}`);
      const hint = inner && typeof inner === 'object' && inner.hint ? inner.hint : 'see the server log book for details';
      throw new TillsyncError('upload-refused', `server refused ${fileName} (HTTP ${res.status}): ${message}`, { hint, ref: { file: fileName }, status: res.status });
    }
    return { channel: 'http', target: this.endpoint, detail: body };
  }
}
