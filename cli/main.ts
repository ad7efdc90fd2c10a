import { Command, CommanderError } from 'commander';
import { registerTillCommands } from '../client/cli.ts';
import { registerServerCommands } from '../server/cli.ts';
import { registerPilotCommands } from '../pilots/cli.ts';
import { registerDemoCommand } from './demo.ts';
import { registerBenchCommand } from '../bench/bench.ts';
import { registerDrillCommand } from '../drills/drill.ts';
import { registerAuditCommand } from './audit-cli.ts';

/** Builds the command tree; `argv` lets it load only the server feature the command needs. */
export async function buildProgram(argv: string[] = []): Promise<Command> {
  const program = new Command('tillsync')
    .description('Keeps shops selling when the network fails, and gets every sale into the books.')
    .option('--json', 'machine-readable output')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerTillCommands(program.command('till').description('the till station: sell, close, extract, send, apply base files'));
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  await registerServerCommands(program.command('server').description('the store server: intake, integration, accounting, exports'), words[0] === 'server' ? words[1] : undefined);
  registerPilotCommands(program.command('pilot').description('operator pilot files'));
  registerDemoCommand(program);
  registerBenchCommand(program);
  registerDrillCommand(program);
  registerAuditCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; usage errors were already printed by commander on one line.
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    throw e;
  }
}
