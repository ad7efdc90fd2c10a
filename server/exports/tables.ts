/** Tables owned by server/exports/ (filled in by that feature; merged into Database in db/schema.ts). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ExportsTables {}
