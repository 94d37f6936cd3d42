import { ConfigError } from '../../shared/config/load.js';
import { loadAgentConfig, type AgentConfig } from '../config.js';

/** Loads the config for a CLI subcommand, exiting 2 with the key named when it is invalid. */
export function configOrExit(file: string | undefined): AgentConfig {
  try {
    return loadAgentConfig(file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`kcloud-agent: ${err.message}`);
    process.exit(2);
  }
}

/** Prints a usage error and exits 2 (bad flag values). */
export function usageError(message: string): never {
  console.error(`kcloud-agent: ${message}`);
  process.exit(2);
}
