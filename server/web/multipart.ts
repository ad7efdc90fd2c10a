/**
 * The back office's file uploads (marketplace reports, bank statements): a `multipart/form-data`
 * body read whole up to a cap, then split into its text fields (req.body, so the CSRF token field
 * is checked like any form's) and its files (req.files). Mounted after the session check, like the
 * urlencoded parser: nobody's body is read before they are logged in. A body over the cap is
 * refused with 413 before anything is parsed. Written here because express has no multipart
 * parser and one file field per form needs no library.
 */
import type { NextFunction, Request, Response } from 'express';
import { TillsyncError } from '../../sync/errors.ts';

export interface UploadedFile {
  field: string;
  /** The name the browser gave (its last path segment only). */
  filename: string;
  data: Buffer;
}

export interface MultipartRequest extends Request {
  files?: UploadedFile[];
}

const CRLF2 = Buffer.from('\r\n\r\n');

/** Splits a multipart body; throws on anything that is not one. */
export function parseMultipart(body: Buffer, boundary: string): { fields: Record<string, string | string[]>; files: UploadedFile[] } {
  const delimiter = Buffer.from(`--${boundary}`);
  const between = Buffer.from(`\r\n--${boundary}`);
  const fields: Record<string, string | string[]> = {};
  const files: UploadedFile[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new TillsyncError('bad-request', 'form upload without its boundary', { hint: 'send the form from the back-office page' });
  for (let parts = 0; ; parts++) {
    pos += delimiter.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break; // "--": the closing delimiter
    if (parts > 1000) throw new TillsyncError('bad-request', 'form upload with too many parts', { hint: 'send the form from the back-office page' });
    pos += 2; // CRLF after the delimiter
    const headEnd = body.indexOf(CRLF2, pos);
    const next = headEnd < 0 ? -1 : body.indexOf(between, headEnd + 4);
    if (headEnd < 0 || next < 0) throw new TillsyncError('bad-request', 'form upload cut short', { hint: 'send the file again' });
    const head = body.subarray(pos, headEnd).toString('utf8');
    const data = body.subarray(headEnd + 4, next);
    pos = next + 2;
    const disposition = /^content-disposition:\s*form-data(.*)$/im.exec(head)?.[1] ?? '';
    const name = /;\s*name="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) continue;
    const filename = /;\s*filename="([^"]*)"/i.exec(disposition)?.[1];
    if (filename !== undefined) {
      files.push({ field: name, filename: filename.split(/[\\/]/).pop() ?? '', data: Buffer.from(data) });
      continue;
    }
    const value = data.toString('utf8');
    const had = fields[name];
    fields[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  return { fields, files };
}

/** Express middleware: parses multipart bodies up to `limit` bytes; other bodies pass untouched. */
export function multipartForm(opts: { limit: number }) {
  return (req: MultipartRequest, _res: Response, next: NextFunction): void => {
    const type = String(req.headers['content-type'] ?? '');
    const m = /^multipart\/form-data\s*;.*boundary=(?:"([^"]+)"|([^\s;]+))/i.exec(type);
    if (!m) return next();
    const boundary = m[1] ?? m[2];
    const declared = Number(req.headers['content-length'] ?? 0);
    const tooLarge = () => new TillsyncError('too-large', `upload over the ${Math.round(opts.limit / 1024 / 1024)} MB limit`, { hint: 'split the file, or raise the back office upload limit', status: 413 });
    if (declared > opts.limit) {
      req.resume();
      return next(tooLarge());
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > opts.limit) {
        failed = true;
        chunks.length = 0;
        next(tooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('error', (e) => {
      if (!failed) {
        failed = true;
        next(e);
      }
    });
    req.on('end', () => {
      if (failed) return;
      try {
        const { fields, files } = parseMultipart(Buffer.concat(chunks), boundary);
        req.body = fields;
        req.files = files;
        next();
      } catch (e) {
        next(e);
      }
    });
  };
}
