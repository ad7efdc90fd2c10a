/**
 * The one error handler of the server's HTTP side (Hono's HTTPException + onError, in express):
 * every failure leaves as `{ error: { code, message, hint } }` with the status the TillsyncError
 * carries. Body-parser failures (too large, bad JSON) get their own codes; anything else is a 500
 * whose details stay in the server's output, not in the answer.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { isTillsyncError, TillsyncError } from '../sync/errors.ts';
import { redactPaths } from './redact.ts';

export interface ErrorBody {
  error: { code: string; message: string; hint?: string };
}

/** The answer for an error: status and body, with no absolute path of this machine in it (redact.ts). */
export function httpErrorOf(err: unknown): { status: number; body: ErrorBody } {
  const { status, body } = answerOf(err);
  const e = body.error;
  return { status, body: { error: { ...e, message: redactPaths(e.message), ...(e.hint ? { hint: redactPaths(e.hint) } : {}) } } };
}

function answerOf(err: unknown): { status: number; body: ErrorBody } {
  if (isTillsyncError(err)) {
    const status = err.status >= 400 && err.status <= 599 ? err.status : 500;
    return { status, body: { error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) } } };
  }
  const e = err as { type?: string; status?: number; statusCode?: number; limit?: number; message?: string };
  if (e?.type === 'entity.too.large') {
    return { status: 413, body: { error: { code: 'too-large', message: `request body over the ${e.limit ?? '?'}-byte limit`, hint: 'send smaller packages (extract more often) or raise the server limit' } } };
  }
  if (e?.type === 'entity.parse.failed') return { status: 400, body: { error: { code: 'bad-json', message: 'request body is not valid JSON' } } };
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, body: { error: { code: e.type ?? 'bad-request', message: e.message ?? 'bad request' } } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal server error', hint: 'see the server output and log book' } } };
}

export function errorHandler(onInternal: (err: unknown) => void = (err) => console.error(err)): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (res.headersSent) return next(err);
    const { status, body } = httpErrorOf(err);
    if (status >= 500) onInternal(err);
    res.status(status).json(body);
  };
}

/** 404 in the same shape, for paths nobody mounted. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new TillsyncError('not-found', `no such endpoint: ${req.method} ${req.originalUrl.split('?')[0]}`, { status: 404 }));
};
