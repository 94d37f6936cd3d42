import type { Command } from 'commander';
import { createLogger } from '../../shared/log.js';
import { runUntilSignal } from '../../shared/run-until-signal.js';
import { configOrExit, CONFIG_HELP, usageError } from './options.js';

function port(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) usageError(`invalid ${flag} "${text}": a port number`);
  return n;
}

/** `kcloud-hub run`: the long-running service. */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run the hub: MQTT broker (or external-broker subscriber), ingest and store (the systemd service runs this)')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--mqtt <port>', 'embedded broker MQTT port (config broker.port)')
    .option('--http <port>', 'HTTP API port (config http.port; -1 turns HTTP off)')
    .option('--with-agent [agent-config]', 'also run an agent for this machine, its MQTT credential provisioned automatically (config localAgent)')
    .option('--pretty', 'human-readable logs instead of JSON lines')
    .option('--log-level <level>', 'trace, debug, info, warn or error')
    .action(async (opts: { config?: string; mqtt?: string; http?: string; withAgent?: string | boolean; pretty?: boolean; logLevel?: string }) => {
      const config = configOrExit(opts.config);
      if (opts.withAgent !== undefined) {
        config.localAgent.enabled = true;
        if (typeof opts.withAgent === 'string') config.localAgent.config = opts.withAgent;
      }
      if (opts.mqtt !== undefined) config.broker.port = port(opts.mqtt, '--mqtt');
      if (opts.http !== undefined) config.http.port = port(opts.http, '--http');
      const log = createLogger({ name: 'kcloud-hub', level: opts.logLevel ?? config.log.level, pretty: opts.pretty ?? config.log.pretty, ring: config.log.ring });
      await runUntilSignal({
        what: 'hub',
        log,
        start: async () => {
          // Loaded here, not at the top: `node add` and friends start without broker and store code.
          const { startHub } = await import('../runtime.js');
          return startHub(config, log);
        },
      });
    });
}
