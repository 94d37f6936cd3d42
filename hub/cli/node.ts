import { writeFileSync, chmodSync } from 'node:fs';
import type { Command } from 'commander';
import { renderTable } from '../../shared/format/table.js';
import { NodeStore } from '../identity/nodes.js';
import { generatePassword } from '../identity/passwords.js';
import { configOrExit, CONFIG_HELP, formatOrExit, iso, usageError, withHubDb } from './options.js';

/** `kcloud-hub node add|list|remove`: agent registrations and their MQTT credentials. */
export function registerNodeCommand(program: Command): void {
  const node = program.command('node').description('register agents (MQTT username = node name) and list their state');

  node
    .command('add')
    .description("register a node and print its MQTT credential (username = node name, random password, stored argon2-hashed)")
    .argument('<name>', 'node name, as the agent sends it (its `node` config key)')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--cluster <cluster>', 'cluster the node belongs to (its `cluster` config key)', 'default')
    .option('--password-file <path>', "write the password to this file (mode 0600) instead of printing it; point the agent's mqtt.passwordFile at it")
    .option('--format <format>', 'table or json', 'table')
    .action(async (name: string, flags: { config?: string; cluster: string; passwordFile?: string; format: string }) => {
      const format = formatOrExit(flags.format, ['table', 'json'] as const);
      const config = configOrExit(flags.config);
      const password = generatePassword();
      const created = await withHubDb(config, async (db) => {
        const nodes = new NodeStore(db);
        const added = await nodes.add(name, flags.cluster, password);
        if (flags.passwordFile) {
          try {
            writeFileSync(flags.passwordFile, `${password}\n`, { mode: 0o600 });
            chmodSync(flags.passwordFile, 0o600);
          } catch (err) {
            // A node whose password nobody knows is useless: undo the registration.
            nodes.remove(name);
            usageError(`cannot write --password-file ${flags.passwordFile}: ${(err as Error).message}`);
          }
        }
        return added;
      });
      const shown = flags.passwordFile ? null : password;
      if (format === 'json') {
        process.stdout.write(JSON.stringify({ name: created.name, cluster: created.cluster, username: created.name, password: shown, passwordFile: flags.passwordFile ?? null }) + '\n');
        return;
      }
      process.stdout.write(
        [
          `node ${created.name} registered in cluster ${created.cluster}`,
          `mqtt username: ${created.name}`,
          shown ? `mqtt password: ${shown}   (shown once; it is stored hashed)` : `mqtt password: written to ${flags.passwordFile} (mode 0600)`,
          '',
        ].join('\n'),
      );
    });

  node
    .command('list')
    .description('list registered nodes with their state: online, last seen, last seq, gaps')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--cluster <cluster>', 'only this cluster')
    .option('--format <format>', 'table or json', 'table')
    .action(async (flags: { config?: string; cluster?: string; format: string }) => {
      const format = formatOrExit(flags.format, ['table', 'json'] as const);
      const config = configOrExit(flags.config);
      const nodes = await withHubDb(config, (db) => new NodeStore(db).list(flags.cluster));
      if (format === 'json') {
        process.stdout.write(JSON.stringify(nodes, null, 2) + '\n');
        return;
      }
      if (nodes.length === 0) {
        process.stdout.write('no nodes registered (kcloud-hub node add <name>)\n');
        return;
      }
      process.stdout.write(
        renderTable(
          ['node', 'cluster', 'state', 'last seen', 'last seq', 'gaps', 'missing', 'batches', 'samples'],
          nodes.map((n) => [n.name, n.cluster, n.disabled ? 'disabled' : n.state, iso(n.lastSeen), n.lastSeq, n.gaps, n.missing, n.batches, n.samples]),
        ),
      );
    });

  node
    .command('remove')
    .description('unregister a node: its credential stops working at once; its stored samples stay')
    .argument('<name>', 'node name')
    .option('-c, --config <file>', CONFIG_HELP)
    .action(async (name: string, flags: { config?: string }) => {
      const config = configOrExit(flags.config);
      await withHubDb(config, (db) => new NodeStore(db).remove(name));
      process.stdout.write(`node ${name} removed\n`);
    });
}
