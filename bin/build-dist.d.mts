// Types of build-dist.mjs (plain JavaScript: npm runs it on install, before anything else).
export interface BuildManifest {
  root: string;
  dir: string;
  entry: string;
  builtAt: string;
  inputs: Record<string, [number, number]>;
}
export declare function buildDist(opts?: { quiet?: boolean; dist?: string }): Promise<BuildManifest>;
