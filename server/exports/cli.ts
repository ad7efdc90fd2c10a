import type { Command } from 'commander';

/** `tillsync server` verbs of server/exports/: export, export-reset, invoice-pdf. */
export function registerExportCommands(_server: Command): void {}
