import type { Command } from 'commander';
import { ConfigError } from '../../shared/config/load.js';
import { createLogger } from '../../shared/log.js';
import { loadAgentConfig } from '../config.js';
import { startAgent } from '../runtime.js';

/** `kcloud-agent run`: the long-running service. */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('collect telemetry and publish it to the hub (the systemd service runs this)')
    .option('-c, --config <file>', 'YAML config file (keys overridable by KCLOUD_<PATH> env variables)')
    .option('--pretty', 'human-readable logs instead of JSON lines')
    .option('--log-level <level>', 'trace, debug, info, warn or error')
    .action(async (opts: { config?: string; pretty?: boolean; logLevel?: string }) => {
      let config;
      try {
        config = loadAgentConfig(opts.config);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        console.error(`kcloud-agent: ${err.message}`);
        process.exit(2);
      }
      const log = createLogger({ name: 'kcloud-agent', level: opts.logLevel ?? config.log.level, pretty: opts.pretty ?? config.log.pretty });
      const agent = await startAgent(config, log);
      let stopping = false;
      const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'stopping');
        agent.stop().then(
          () => process.exit(0),
          (err: Error) => {
            log.error({ err: err.message }, 'unclean stop');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
    });
}
