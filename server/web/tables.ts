/** Tables owned by server/web/ (filled in by that feature; merged into Database in db/schema.ts). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface WebTables {}
