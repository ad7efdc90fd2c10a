/** The accounting steps of the nightly chain (server/nightly.ts): post what integration made, then letter. */
import type { NightlyStep } from '../nightly.ts';
import { tillCodeOf, yesterday } from '../integration/filters.ts';
import { describePosting, runPosting, type PostingRequest } from './posting-run.ts';
import { describeLettering, runLettering } from './lettering-run.ts';

export const postingStep: NightlyStep = async (ctx, opts) => {
  const req: PostingRequest = { until: opts.until ?? yesterday() };
  if (opts.tills) req.tillList = opts.tills.map(tillCodeOf);
  const summary = await runPosting(ctx.db, ctx.data, req, {
    onProgress: opts.onProgress ? (done) => opts.onProgress!('post', `${done} ticket(s) posted`) : undefined,
  });
  opts.onProgress?.('post', describePosting(summary));
  return { step: 'post', summary };
};

export const letteringStep: NightlyStep = async (ctx, opts) => {
  const summary = await runLettering(ctx.db, ctx.data);
  opts.onProgress?.('letter', describeLettering(summary));
  return { step: 'letter', summary };
};
