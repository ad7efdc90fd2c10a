/** The integration step of the nightly chain (server/nightly.ts): everything pending up to yesterday. */
import type { NightlyStep } from '../nightly.ts';
import { tillCodeOf, yesterday, type IntegrationFilters } from './filters.ts';
import { describeRun, runIntegration } from './integrate.ts';

export const integrationStep: NightlyStep = async (ctx, opts) => {
  const filters: IntegrationFilters = { until: opts.until ?? yesterday() };
  if (opts.tills) filters.tillList = opts.tills.map(tillCodeOf);
  const summary = await runIntegration(ctx.db, ctx.data, filters, {
    onProgress: opts.onProgress ? (done) => opts.onProgress!('integrate', `${done} ticket(s) read`) : undefined,
    onAccepted: opts.parsedTickets ? (row, ticket) => opts.parsedTickets!.keep(row, ticket) : undefined,
  });
  const line = describeRun(summary);
  opts.onProgress?.('integrate', line);
  return { step: 'integrate', summary, line, leftOut: summary.stats.leftOut };
};
