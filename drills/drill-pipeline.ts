/** The server phases a kill drill crashes, in pipeline order (cheap to import: `tillsync drill --help` lists them). */
export type Phase = 'intake' | 'integrate' | 'post' | 'letter';
export const PIPELINE: Phase[] = ['intake', 'integrate', 'post', 'letter'];
