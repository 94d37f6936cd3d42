#!/usr/bin/env node
import { Command } from 'commander';
import { VERSION } from '../shared/version.js';

type Register = (program: Command) => void;

/**
 * Each subcommand's module, loaded only when that subcommand runs: a
 * `kcloud-hub query` must not pay for the user, node and secrets code (and
 * their SQLite and crypto imports) at every start. Help and unknown
 * commands load them all, so `--help` lists every command.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  run: async () => (await import('./cli/run.js')).registerRunCommand,
  node: async () => (await import('./cli/node.js')).registerNodeCommand,
  user: async () => (await import('./cli/user.js')).registerUserCommand,
  query: async () => (await import('./cli/query.js')).registerQueryCommand,
  status: async () => (await import('./cli/status.js')).registerStatusCommand,
  secrets: async () => (await import('./cli/secrets.js')).registerSecretsCommand,
  kubeconfig: async () => (await import('./cli/kubeconfig.js')).registerKubeconfigCommand,
};

const program = new Command('kcloud-hub')
  .description('kcloud hub: MQTT broker, ingest and time-series store for the fleet\'s agents')
  .version(VERSION)
  .showHelpAfterError();

// The subcommand is the first argument that is not an option (the program itself takes none but --version and --help).
const named = process.argv.slice(2).find((a) => !a.startsWith('-'));
const wanted = named !== undefined && named in COMMANDS ? [COMMANDS[named]!] : Object.values(COMMANDS);
for (const register of await Promise.all(wanted.map((load) => load()))) register(program);

await program.parseAsync();
