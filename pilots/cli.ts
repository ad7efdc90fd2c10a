import type { Command } from 'commander';

/** `tillsync pilot run FILE [--dry-run]` */
export function registerPilotCommands(_pilot: Command): void {}
