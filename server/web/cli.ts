import type { Command } from 'commander';
import { run } from '../../cli/output.ts';
import { TillsyncError } from '../../sync/errors.ts';
import { withServer } from '../lazy-context.ts';
import { addUser } from './users.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** `tillsync server user add`: back-office accounts (server/web/ owns them). */
export function registerWebCommands(server: Command): void {
  const user = server.command('user').description('back-office users');
  user
    .command('add')
    .description('create a back-office user, or set a new password for an existing one')
    .requiredOption('--data <dir>', 'server data folder')
    .option('--db <url>', 'database URL (default: from server.json)')
    .requiredOption('--name <name>', 'login name')
    .option('--password <password>', 'password (visible in the process list: prefer --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .action(
      run<{ data: string; db?: string; name: string; password?: string; passwordStdin?: boolean }>(async (opts) => {
        if (Boolean(opts.password) === Boolean(opts.passwordStdin)) {
          throw new TillsyncError('usage', 'give the password with exactly one of --password or --password-stdin', {
            hint: `e.g. echo 'secret-pass' | tillsync server user add --data ${opts.data} --name ${opts.name} --password-stdin`,
          });
        }
        const password = opts.passwordStdin ? await readStdin() : (opts.password as string);
        const result = await withServer({ data: opts.data, db: opts.db }, (ctx) => addUser(ctx.db, opts.name, password));
        return { data: result, text: `${result.created ? 'created' : 'updated password of'} back-office user ${result.name}` };
      }),
    );
}
