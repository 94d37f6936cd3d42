import { existsSync } from 'node:fs';
import { ConfigError } from '../../shared/config/load.js';
import { loadHubConfig, type HubConfig } from '../config.js';
import type { HubDb } from '../core/db.js';
import { IdentityError } from '../identity/names.js';
import { hubFiles, prepareDataDir } from '../core/paths.js';

export { CONFIG_HELP, formatOrExit, usageError } from './usage.js';

/** The packaged config, used when neither --config nor KCLOUD_HUB_CONFIG names one. */
const SYSTEM_CONFIG = '/etc/kcloud/hub.yaml';

/** `--config`, else KCLOUD_HUB_CONFIG, else /etc/kcloud/hub.yaml when it exists (so `kcloud-hub node add` on the server finds the service's dataDir). */
export function configFile(flag: string | undefined): string | undefined {
  return flag ?? process.env.KCLOUD_HUB_CONFIG ?? (existsSync(SYSTEM_CONFIG) ? SYSTEM_CONFIG : undefined);
}

/** Loads the config for a CLI subcommand, exiting 2 with the key named when it is invalid. */
export function configOrExit(flag: string | undefined): HubConfig {
  try {
    return loadHubConfig(configFile(flag));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`kcloud-hub: ${err.message}`);
    process.exit(2);
  }
}


/**
 * Runs a command on hub.db (created with its dataDir when missing, so nodes
 * can be registered before the first start). An IdentityError (no such
 * user, name taken) exits 1 with its message.
 */
export async function withHubDb<T>(config: HubConfig, fn: (db: HubDb) => T | Promise<T>): Promise<T> {
  prepareDataDir(config.dataDir, (message) => console.error(`kcloud-hub: warning: ${message}`));
  // Imported here: `query` and `status` read other files and start without hub.db's schema code.
  const { openHubDb } = await import('../core/db.js');
  const db = openHubDb(hubFiles(config.dataDir).db);
  try {
    return await fn(db);
  } catch (err) {
    if (!(err instanceof IdentityError)) throw err;
    console.error(`kcloud-hub: ${err.message}`);
    process.exit(1);
  } finally {
    db.close();
  }
}


export const iso = (ts: number | null): string | null => (ts === null ? null : new Date(ts).toISOString());
