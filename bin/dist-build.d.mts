// Types of dist-build.mjs (plain JavaScript so that bin/tillsync.mjs runs it before tsx is loaded).
export declare const ROOT: string;
export declare const DIST: string;
export declare function freshBuild(dist?: string): { url: string | null; reason: string };
