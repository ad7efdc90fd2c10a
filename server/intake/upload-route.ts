/**
 * `POST /api/packages`: a till (or `till send --lan URL`) uploads a package file as the raw body,
 * authenticated as one till; the package must be that till's. A refused package is kept in the
 * inbox's quarantine/ (with its reason) and the till gets the refusal as an error.
 */
import express, { type Router } from 'express';
import type { ServerContext } from '../context.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { API } from '../../sync/replication-protocol.ts';
import { intakePackage } from './intake.ts';
import { tillAuth, tillOf } from './till-auth.ts';
import { outcomeBody, refusalError } from './package-outcome.ts';
import { safeFileName, saveToQuarantine } from './quarantine.ts';
import { MAX_ENTRY_BYTES } from '../../sync/package-format.ts';

/** Default cap on an uploaded file: a compressed package is far smaller than its entry cap. */
export const DEFAULT_UPLOAD_BYTES = Math.floor(MAX_ENTRY_BYTES / 4);

export function uploadRouter(ctx: ServerContext, opts: { maxBytes?: number; inbox: string; onOutcome?: (line: string) => void }): Router {
  const r = express.Router();
  // Authenticate (headers only) before reading a possibly large body, then read at most the cap.
  const auth = tillAuth(ctx);
  r.post(API.upload, auth.check, ...auth.body(opts.maxBytes ?? DEFAULT_UPLOAD_BYTES, 'raw'), async (req, res) => {
    const till = tillOf(res);
    const bytes = req.body as Buffer;
    if (!Buffer.isBuffer(bytes) || bytes.length === 0) throw new TillsyncError('bad-request', 'empty upload: send the package file as the request body', { status: 400 });
    const fileName = safeFileName(req.get('x-filename'), `upload-${till.id}.zip`);
    const out = await intakePackage(ctx, { bytes, fileName, channel: 'http', expectTill: till.id, refusedStatus: 'quarantined' });
    if (out.status === 'refused') {
      saveToQuarantine(opts.inbox, fileName, bytes, { reason: out.reason, message: out.message, hint: out.hint, channel: 'http' }, ctx.data);
      throw refusalError(out);
    }
    res.json(outcomeBody(out));
  });
  return r;
}
