/** The accounting steps of the nightly chain (server/nightly.ts): post what integration made, then letter. */
import type { NightlyStep } from '../nightly.ts';
import { tillCodeOf, yesterday } from '../integration/filters.ts';
import { describePosting, runPosting, type PostingRequest } from './posting-run.ts';
import { describeLettering, runLettering } from './lettering-run.ts';

export const postingStep: NightlyStep = async (ctx, opts) => {
  const req: PostingRequest = { until: opts.until ?? yesterday() };
  if (opts.tills) req.tillList = opts.tills.map(tillCodeOf);
  // What integration kept of the tickets it parsed is used once, by this run; then it is let go.
  const summary = await runPosting(ctx.db, ctx.data, req, {
    // Progress counts tickets read for posting, not posted: what ends up posted is in the line below.
    onProgress: opts.onProgress ? (done) => opts.onProgress!('post', `${done} ticket(s) read`) : undefined,
    parsed: opts.parsedTickets,
  }).finally(() => opts.parsedTickets?.clear());
  const line = describePosting(summary);
  opts.onProgress?.('post', line);
  return { step: 'post', summary, line, leftOut: summary.leftOut + summary.heldBackCount };
};

export const letteringStep: NightlyStep = async (ctx, opts) => {
  const summary = await runLettering(ctx.db, ctx.data);
  const line = describeLettering(summary);
  opts.onProgress?.('letter', line);
  return { step: 'letter', summary, line, leftOut: 0 };
};
