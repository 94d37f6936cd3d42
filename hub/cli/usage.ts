import { parseFormat, type OutputFormat } from '../../shared/format/output-format.js';

// Apart from options.ts (config loading, hub.db): what every command needs to parse its flags, without the config schemas.

/** Prints a usage error and exits 2 (bad flag values). */
export function usageError(message: string): never {
  console.error(`kcloud-hub: ${message}`);
  process.exit(2);
}

/** Validates --format or exits 2. */
export function formatOrExit<const F extends readonly OutputFormat[]>(value: string, allowed: F): F[number] {
  try {
    return parseFormat(value, allowed);
  } catch (err) {
    usageError((err as Error).message);
  }
}

/** Common `-c, --config` option text. */
export const CONFIG_HELP = 'hub config file (default: $KCLOUD_HUB_CONFIG, else /etc/kcloud/hub.yaml if present); keys overridable by KCLOUD_HUB_<PATH>';
