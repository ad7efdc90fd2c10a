/**
 * axe-core (@axe-core/playwright) on a page: the WCAG 2.1 A and AA rules, contrast included; the
 * serious and critical violations, each as one line naming the rule and the first elements.
 * (`options()` replaces the builder's options: it comes before `withTags`, or every rule runs.)
 *
 * Run in the page itself (legacy mode: axe.run) rather than the default runPartial + finishRun,
 * which opens a blank page (a renderer) per check to merge the frames' results: our pages have no
 * iframes, and it halves the CPU of a check. Only the violations are detailed (resultTypes): every
 * rule still runs, passes are not collected node by node.
 */
import type { Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

export async function seriousViolations(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page }).options({ resultTypes: ['violations'] }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).setLegacyMode().analyze();
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}
