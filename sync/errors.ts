/**
 * The one error shape of tillsync. Every failure a user can meet is a TillsyncError:
 * a stable code, a one-line message naming what and where, and a hint saying how to fix it.
 * The CLI prints `tillsync: <message> (<hint>)`; HTTP handlers map `status` onto the response.
 */
export interface ErrorRef {
  file?: string;
  line?: number;
  ticket?: string;
  till?: string;
  entry?: string;
}

export class TillsyncError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly ref: ErrorRef;
  readonly status: number;

  constructor(code: string, message: string, opts: { hint?: string; ref?: ErrorRef; status?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'TillsyncError';
    this.code = code;
    this.hint = opts.hint;
    this.ref = opts.ref ?? {};
    this.status = opts.status ?? 400;
  }

  toJSON(): { code: string; message: string; hint?: string; ref: ErrorRef } {
    return { code: this.code, message: this.message, hint: this.hint, ref: this.ref };
  }
}

/** Errors collected as data by the accounting passes (beancount style): nothing is thrown mid-pass. */
export interface DataError {
  source: string;
  message: string;
  ref: ErrorRef;
}

export function isTillsyncError(e: unknown): e is TillsyncError {
  return e instanceof TillsyncError;
}
