/**
 * Gaps in a till's numbering, kept incrementally: the till row holds its highest number and its
 * open gaps, and each intake moves them forward with the numbers it stored (inside the same
 * transaction, so they always agree with the tickets table). Pure: state + numbers in, new state
 * + what opened and what closed out.
 */
export type Gap = [from: number, to: number];

export interface GapState {
  lastNumber: number | null;
  gaps: Gap[];
}

export interface GapUpdate extends GapState {
  opened: Gap[];
  /** Gaps that existed before and are now completely filled. */
  filled: Gap[];
  /** Gaps that existed before, received some tickets, and are still partly open. */
  narrowed: Gap[];
}

export function parseGaps(text: string | null | undefined): Gap[] {
  if (!text) return [];
  const v = JSON.parse(text) as unknown;
  return Array.isArray(v) ? (v as Gap[]) : [];
}

export function formatGap([from, to]: Gap): string {
  return from === to ? `${from}` : `${from}–${to}`;
}

/** `stored`: the numbers this intake stored for the till (any order, no duplicates). */
export function updateGaps(state: GapState, stored: number[]): GapUpdate {
  let last = state.lastNumber ?? 0;
  let gaps: Gap[] = state.gaps.map(([a, b]) => [a, b]);
  const opened: Gap[] = [];
  for (const n of [...stored].sort((a, b) => a - b)) {
    if (n > last) {
      // Numbers come in ascending order, so a gap opened here cannot be filled later in this loop.
      if (n > last + 1) {
        opened.push([last + 1, n - 1]);
        gaps.push([last + 1, n - 1]);
      }
      last = n;
      continue;
    }
    gaps = gaps.flatMap((g): Gap[] => {
      if (n < g[0] || n > g[1]) return [g];
      const parts: Gap[] = [];
      if (g[0] < n) parts.push([g[0], n - 1]);
      if (n < g[1]) parts.push([n + 1, g[1]]);
      return parts;
    });
  }
  gaps.sort((a, b) => a[0] - b[0]);
  const filled: Gap[] = [];
  const narrowed: Gap[] = [];
  for (const g of state.gaps) {
    const inside = gaps.filter((h) => h[0] >= g[0] && h[1] <= g[1]);
    if (inside.length === 0) filled.push(g);
    else if (inside.length > 1 || inside[0][0] !== g[0] || inside[0][1] !== g[1]) narrowed.push(g);
  }
  return { lastNumber: last === 0 ? state.lastNumber : last, gaps, opened, filled, narrowed };
}
