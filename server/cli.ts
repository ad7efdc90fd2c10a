import type { Command } from 'commander';

type Register = (server: Command) => void;

/**
 * `tillsync server …`: each feature folder registers its own verbs. Only the feature owning the
 * verb being run is loaded (PDF, mail and SMTP libraries cost a second of start-up otherwise);
 * help and unknown verbs load them all.
 */
const FEATURES: Record<string, () => Promise<Register>> = {
  intake: async () => (await import('./intake/cli.ts')).registerIntakeCommands,
  integration: async () => (await import('./integration/cli.ts')).registerIntegrationCommands,
  accounting: async () => (await import('./accounting/cli.ts')).registerAccountingCommands,
  exports: async () => (await import('./exports/cli.ts')).registerExportCommands,
  'base-files': async () => (await import('./base-files/cli.ts')).registerBaseFileCommands,
  web: async () => (await import('./web/cli.ts')).registerWebCommands,
  nightly: async () => (await import('./nightly-cli.ts')).registerNightlyCommand,
  imports: async () => (await import('./imports/cli.ts')).registerImportCommands,
  einvoice: async () => (await import('./einvoice/cli.ts')).registerEinvoiceCommands,
  fiscal: async () => (await import('./fiscal/cli.ts')).registerFiscalCommands,
  books: async () => (await import('./books/cli.ts')).registerBooksCommands,
  exact: async () => (await import('./exact/cli.ts')).registerExactCommands,
};

const VERB_OWNER: Record<string, string> = {
  init: 'intake',
  'enroll-till': 'intake',
  start: 'intake',
  intake: 'intake',
  status: 'intake',
  integrate: 'integration',
  undo: 'integration',
  'set-customer': 'integration',
  config: 'accounting',
  post: 'accounting',
  letter: 'accounting',
  'open-items': 'accounting',
  export: 'exports',
  'export-reset': 'exports',
  'export-mail': 'exports',
  exports: 'exports',
  'invoice-pdf': 'exports',
  profile: 'exports',
  'publish-base': 'base-files',
  'base-key': 'base-files',
  user: 'web',
  nightly: 'nightly',
  'import-receivables': 'imports',
  'import-bank': 'imports',
  'import-payments': 'imports',
  'import-sales': 'imports',
  einvoice: 'einvoice',
  ereport: 'einvoice',
  'ereport-reset': 'einvoice',
  ereports: 'einvoice',
  archive: 'fiscal',
  journal: 'fiscal',
  check: 'books',
  exact: 'exact',
};

export async function registerServerCommands(server: Command, verb?: string): Promise<void> {
  const owner = verb ? VERB_OWNER[verb] : undefined;
  for (const name of owner ? [owner] : Object.keys(FEATURES)) (await FEATURES[name]())(server);
}
