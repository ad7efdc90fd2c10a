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
  /** The books check that failed (a broken invariant names it). */
  check?: string;
}

/**
 * A message's stable id and parameters, for the screens: the back office tells it in the page's
 * language from its catalogue (`engine.<id>`), falling back to the English `message` for an id it
 * does not know. The CLI always prints the English message.
 */
export interface MessageRef {
  id: string;
  params?: Record<string, string | number>;
}

export class TillsyncError extends Error {
  readonly code: string;
  readonly hint?: string;
  /** What a screen may tell in its own language (see MessageRef). */
  readonly detail?: MessageRef;
  readonly ref: ErrorRef;
  readonly status: number;

  constructor(code: string, message: string, opts: { hint?: string; ref?: ErrorRef; status?: number; cause?: unknown; detail?: MessageRef } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'TillsyncError';
    this.code = code;
    this.hint = opts.hint;
    this.ref = opts.ref ?? {};
    this.status = opts.status ?? 400;
    if (opts.detail) this.detail = opts.detail;
  }

  toJSON(): { code: string; message: string; hint?: string; ref: ErrorRef } {
    return { code: this.code, message: this.message, hint: this.hint, ref: this.ref };
  }
}

/**
 * An error collected as data by a books pass (beancount style, server/books/pass.ts): nothing is
 * thrown mid-pass; the run that called the pass logs it after commit, the rest of the data goes on.
 */
export interface BooksError {
  /** The pass (or check) that found it: 'integration', 'posting', 'settlements', 'invariants'… */
  source: string;
  message: string;
  ref: ErrorRef;
}

export function isTillsyncError(e: unknown): e is TillsyncError {
  return e instanceof TillsyncError;
}
