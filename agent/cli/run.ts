import type { Command } from 'commander';
import { createLogger } from '../../shared/log.js';
import { runUntilSignal } from '../../shared/run-until-signal.js';
import { startAgent } from '../runtime.js';
import { configOrExit, usageError } from './options.js';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'];
/** The most a stop may take: collectors' kill bound (3 s + 1 s), the last PUBACKs and the offline status fit well inside. */
const STOP_BOUND_MS = 15_000;

/** Registers `kcloud-agent run`: the long-running service (what the systemd unit starts). */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('collect telemetry and publish it to the hub (the systemd service runs this)')
    .option('-c, --config <file>', 'YAML config file (keys overridable by KCLOUD_<PATH> env variables)')
    .option('--pretty', 'human-readable logs instead of JSON lines')
    .option('--log-level <level>', LEVELS.join(', '))
    .action(async (opts: { config?: string; pretty?: boolean; logLevel?: string }) => {
      const config = configOrExit(opts.config);
      if (opts.logLevel !== undefined && !LEVELS.includes(opts.logLevel)) usageError(`--log-level must be one of ${LEVELS.join(', ')}`);
      const log = createLogger({ name: 'kcloud-agent', level: opts.logLevel ?? config.log.level, pretty: opts.pretty ?? config.log.pretty });
      // Exit within a fixed time whatever collectors or the broker do (below the unit's TimeoutStopSec=20, so systemd never has to SIGKILL us).
      await runUntilSignal({ what: 'agent', log, start: () => startAgent(config, log), stopBound: { ms: STOP_BOUND_MS, leaves: 'unacknowledged batches stay in the outbox' } });
    });
}
