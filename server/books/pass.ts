/**
 * The one contract of the books pipeline (docs/developer.md, "The books pipeline"): integrate →
 * post → settle → letter → validate are passes, each a pure function from a read-only snapshot of
 * what it needs to its result and the errors it found, as data (BooksError: source, message, ref).
 * A pass never reads or writes SQL, never logs and never throws for bad data: the run that calls
 * it (integrate.ts, posting-run.ts — the orchestrators) loads the snapshot, writes the result in
 * its transaction and logs the errors once that transaction has committed.
 */
import type { BooksError } from '../../sync/errors.ts';

export interface PassResult<R> {
  result: R;
  errors: BooksError[];
}

export type BooksPass<S, R> = (snapshot: Readonly<S>) => PassResult<R>;
