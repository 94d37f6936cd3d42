import type { Command } from 'commander';
import { keyring, rotateSecrets, SecretError } from '../identity/secrets.js';
import { configOrExit, CONFIG_HELP, formatOrExit, withHubDb } from './options.js';

/** `kcloud-hub secrets rotate`: re-encrypts every stored integration secret under a new key. */
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
}
