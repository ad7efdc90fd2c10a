import type { Command } from 'commander';
import { registerIntakeCommands } from './intake/cli.ts';
import { registerIntegrationCommands } from './integration/cli.ts';
import { registerAccountingCommands } from './accounting/cli.ts';
import { registerExportCommands } from './exports/cli.ts';
import { registerBaseFileCommands } from './base-files/cli.ts';
import { registerWebCommands } from './web/cli.ts';

/** `tillsync server …`: each feature folder registers its own verbs. */
export function registerServerCommands(server: Command): void {
  registerIntakeCommands(server);
  registerIntegrationCommands(server);
  registerAccountingCommands(server);
  registerExportCommands(server);
  registerBaseFileCommands(server);
  registerWebCommands(server);
}
