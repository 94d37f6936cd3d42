import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { renderTable } from '../../shared/format/table.js';
import { generatePassword } from '../identity/passwords.js';
import { parseRole, ROLES, UserStore } from '../identity/users.js';
import { configOrExit, CONFIG_HELP, formatOrExit, iso, usageError, withHubDb } from './options.js';

/** The password from `--password-file` (its first line), or a generated one to print once. */
function passwordFrom(file: string | undefined): { password: string; generated: boolean } {
  if (!file) return { password: generatePassword(), generated: true };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    usageError(`cannot read --password-file ${file}: ${(err as Error).message}`);
  }
  const password = text.split('\n')[0]!.replace(/\r$/, '');
  if (password.length < 8) usageError(`the password in ${file} is shorter than 8 characters`);
  return { password, generated: false };
}

function printPassword(format: 'table' | 'json', username: string, extra: Record<string, unknown>, p: { password: string; generated: boolean }, verb: string): void {
  if (format === 'json') {
    process.stdout.write(JSON.stringify({ username, ...extra, password: p.generated ? p.password : null }) + '\n');
    return;
  }
  process.stdout.write(`user ${username} ${verb}\n${p.generated ? `password: ${p.password}   (shown once; it is stored hashed)\n` : ''}`);
}

/** `kcloud-hub user add|list|passwd|remove`: people and programs (MQTT read access now, the HTTP API later). */
export function registerUserCommand(program: Command): void {
  const user = program.command('user').description('manage users (roles: admin, user, viewer); MQTT gives every role read-only access to kcloud/v1/#');

  user
    .command('add')
    .description('create a user; the password comes from --password-file or is generated and printed once')
    .argument('<name>', 'username')
    .requiredOption('--role <role>', ROLES.join(', '))
    .option('--email <email>', 'email address')
    .option('--password-file <path>', 'read the password from this file (first line)')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--format <format>', 'table or json', 'table')
    .action(async (name: string, flags: { role: string; email?: string; passwordFile?: string; config?: string; format: string }) => {
      const format = formatOrExit(flags.format, ['table', 'json'] as const);
      let role;
      try {
        role = parseRole(flags.role);
      } catch (err) {
        usageError((err as Error).message);
      }
      const config = configOrExit(flags.config);
      const p = passwordFrom(flags.passwordFile);
      const created = await withHubDb(config, (db) => new UserStore(db).add(name, role, p.password, flags.email ?? null));
      printPassword(format, created.username, { role: created.role }, p, `created with role ${created.role}`);
    });

  user
    .command('list')
    .description('list users and their roles')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--format <format>', 'table or json', 'table')
    .action(async (flags: { config?: string; format: string }) => {
      const format = formatOrExit(flags.format, ['table', 'json'] as const);
      const config = configOrExit(flags.config);
      const users = await withHubDb(config, (db) => new UserStore(db).list());
      if (format === 'json') {
        process.stdout.write(JSON.stringify(users, null, 2) + '\n');
        return;
      }
      process.stdout.write(
        renderTable(
          ['user', 'role', 'email', 'created', 'disabled'],
          users.map((u) => [u.username, u.role, u.email, iso(u.createdAt), u.disabled ? 'yes' : 'no']),
        ),
      );
    });

  user
    .command('passwd')
    .description('set a new password (from --password-file, or generated and printed once)')
    .argument('<name>', 'username')
    .option('--password-file <path>', 'read the password from this file (first line)')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--format <format>', 'table or json', 'table')
    .action(async (name: string, flags: { passwordFile?: string; config?: string; format: string }) => {
      const format = formatOrExit(flags.format, ['table', 'json'] as const);
      const config = configOrExit(flags.config);
      const p = passwordFrom(flags.passwordFile);
      await withHubDb(config, (db) => new UserStore(db).setPassword(name, p.password));
      printPassword(format, name, {}, p, 'password changed');
    });

  user
    .command('remove')
    .description('delete a user (the last admin cannot be removed)')
    .argument('<name>', 'username')
    .option('-c, --config <file>', CONFIG_HELP)
    .action(async (name: string, flags: { config?: string }) => {
      const config = configOrExit(flags.config);
      await withHubDb(config, (db) => new UserStore(db).remove(name));
      process.stdout.write(`user ${name} removed\n`);
    });
}
