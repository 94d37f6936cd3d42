import type { Command } from 'commander';
import { createLogger } from '../../shared/log.js';
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
      let agent: Awaited<ReturnType<typeof startAgent>> | undefined;
      let stopping = false;
      const stop = (running: NonNullable<typeof agent>) =>
        running.stop().then(
          () => process.exit(0),
          (err: Error) => {
            log.error({ err: err.message }, 'unclean stop');
            process.exit(1);
          },
        );
      const shutdown = (signal: NodeJS.Signals) => {
        // A second signal while stopping means "now": the outbox keeps whatever was not acked.
        if (stopping) process.exit(1);
        stopping = true;
        log.info({ signal }, 'stopping');
        // Exit within a fixed time whatever collectors or the broker do (below the unit's TimeoutStopSec=20, so systemd never has to SIGKILL us).
        setTimeout(() => {
          log.error({ afterMs: STOP_BOUND_MS }, 'stop did not finish in time; exiting (unacknowledged batches stay in the outbox)');
          process.exit(1);
        }, STOP_BOUND_MS).unref();
        // A signal while the agent is still starting is served as soon as it has started (below).
        if (agent) void stop(agent);
      };
      // Before the start: the agent is online (status published) before startAgent returns, and a
      // stop in that window must still publish offline and exit 0, not die of the default action.
      process.on('SIGTERM', shutdown);
      process.on('SIGINT', shutdown);
      try {
        agent = await startAgent(config, log);
      } catch (err) {
        log.fatal({ err: (err as Error).message }, 'agent failed to start');
        process.exit(1);
      }
      if (stopping) void stop(agent);
    });
}
