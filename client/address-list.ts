/** "a@x.fr, b@y.fr; c@z.fr" → ["a@x.fr", "b@y.fr", "c@z.fr"] (the --mail option and the API's mail field). */
export function splitList(s: string): string[] {
  return s.split(/[,;\s]+/).map((x) => x.trim()).filter(Boolean);
}
