import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { MAX_SECRET_BYTES, operatorSecretNameProblem } from '../identity/operator-secrets.js';
import { keyring, rotateSecrets, SecretError, SecretStore } from '../identity/secrets.js';
import { configOrExit, CONFIG_HELP, formatOrExit, usageError, withHubDb } from './options.js';

/** The value to store: the file's content, else stdin's (never an argument: ps and shell history show those); one trailing newline dropped. */
export async function readValue(file: string | undefined): Promise<string> {
  let bytes: Buffer;
  if (file) bytes = readFileSync(file);
  else {
    if (process.stdin.isTTY) usageError('give the value on stdin (printf %s "$TOKEN" | kcloud-hub secrets set NAME) or with --from-file');
    const chunks: Buffer[] = [];
    let size = 0;
    // Stops reading past the bound: a mistaken pipe is not buffered whole.
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_SECRET_BYTES) break;
    }
    bytes = Buffer.concat(chunks);
  }
  if (bytes.length > MAX_SECRET_BYTES) usageError(`the value is over ${MAX_SECRET_BYTES} bytes`);
  const value = bytes.toString('utf8').replace(/\r?\n$/, '');
  if (!value) usageError('the value is empty');
  return value;
}

function nameOrExit(name: string): string {
  const problem = operatorSecretNameProblem(name);
  if (problem) usageError(problem);
  return name;
}

/** `kcloud-hub secrets set|list|delete|rotate`: the secrets hub.yaml names (remote-write credentials), and key rotation. */
export function registerSecretsCommand(program: Command): void {
  const secrets = program
    .command('secrets')
    .description('the encrypted integration secrets in hub.db (key: <dataDir>/secret.key, or KCLOUD_SECRET_KEY); values are never printed');

  secrets
    .command('rotate')
    .description(
      'with secret.key: generate a new key, re-encrypt every secret with it, drop the old key; ' +
        'with KCLOUD_SECRET_KEY ("new old", new first): re-encrypt every secret with its first key, then remove the others from the variable',
    )
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--format <format>', 'table or json', 'table')
    .action(async (flags: { config?: string; format: string }) => {
      const format = formatOrExit(flags.format, ['table', 'json'] as const);
      const config = configOrExit(flags.config);
      let result;
      try {
        result = await withHubDb(config, (db) => rotateSecrets(db, keyring(config.dataDir)));
      } catch (err) {
        if (!(err instanceof SecretError)) throw err;
        console.error(`kcloud-hub: ${err.message}`);
        process.exit(1);
      }
      if (format === 'json') {
        process.stdout.write(JSON.stringify(result) + '\n');
        return;
      }
      const retired = result.retiredKeyIds.join(', ') || 'none';
      const advice = result.source === 'env' && result.retiredKeyIds.length ? '; remove the retired keys from KCLOUD_SECRET_KEY' : '';
      process.stdout.write(`re-encrypted ${result.reencrypted} secret(s) with key ${result.keyId} (from ${result.source}); retired keys: ${retired}${advice}\n`);
    });

  secrets
    .command('set <name>')
    .description(`store a secret hub.yaml refers to by name (e.g. storage.remoteWrite[].bearerTokenSecret), read from stdin or --from-file (at most ${MAX_SECRET_BYTES} bytes; one trailing newline dropped); a running hub reads it at its next start`)
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--from-file <file>', 'read the value from this file instead of stdin')
    .action(async (name: string, flags: { config?: string; fromFile?: string }) => {
      nameOrExit(name);
      const config = configOrExit(flags.config);
      const value = await readValue(flags.fromFile);
      const replaced = await withHubDb(config, (db) => {
        const store = new SecretStore(db, keyring(config.dataDir));
        const existed = store.names().includes(name);
        store.put(name, value);
        return existed;
      });
      process.stdout.write(`${replaced ? 'replaced' : 'stored'} secret ${name} (encrypted in hub.db)\n`);
    });

  secrets
    .command('list')
    .description('the names of the stored secrets (never their values), with who writes each: an operator (secrets set) or the hub (its APIs)')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--format <format>', 'table or json', 'table')
    .action(async (flags: { config?: string; format: string }) => {
      const format = formatOrExit(flags.format, ['table', 'json'] as const);
      const config = configOrExit(flags.config);
      const rows = await withHubDb(config, (db) =>
        (db.prepare('SELECT name, updated_at FROM secrets ORDER BY name').all() as { name: string; updated_at: number }[]).map((r) => ({
          name: r.name,
          owner: operatorSecretNameProblem(r.name) === null ? 'operator' : 'hub',
          updated_at: new Date(r.updated_at).toISOString(),
        })),
      );
      if (format === 'json') {
        process.stdout.write(JSON.stringify(rows) + '\n');
        return;
      }
      for (const r of rows) process.stdout.write(`${r.name}\t${r.owner}\t${r.updated_at}\n`);
    });

  secrets
    .command('delete <name>')
    .description('remove a secret set with `secrets set` (exit 1 when there is none)')
    .option('-c, --config <file>', CONFIG_HELP)
    .action(async (name: string, flags: { config?: string }) => {
      nameOrExit(name);
      const config = configOrExit(flags.config);
      const deleted = await withHubDb(config, (db) => new SecretStore(db, keyring(config.dataDir)).delete(name));
      if (!deleted) {
        console.error(`kcloud-hub: no secret named ${name}`);
        process.exit(1);
      }
      process.stdout.write(`deleted secret ${name}\n`);
    });
}
