import type { Command } from 'commander';
import { queryFromFlags, type RangeFlags } from '../../shared/query/flags.js';
import { AGGREGATIONS, type RangeQuery } from '../../shared/query/types.js';
import { CONFIG_HELP, formatOrExit, usageError } from './usage.js';

export interface QueryFlags extends RangeFlags {
  config?: string;
  node?: string;
  cluster?: string;
  format: string;
  server?: string;
  user?: string;
  passwordFile?: string;
  apiKeyFile?: string;
}

/**
 * `kcloud-hub query`: the fleet's stored samples through the shared query
 * engine, either on the store file beside the running hub or, with
 * `--server`, through the hub's REST API. Each mode's code is imported only
 * when it runs, so a call loads neither the store for `--server` nor HTTP
 * code for the local read.
 */
export function registerQueryCommand(program: Command): void {
  program
    .command('query')
    .description('query stored samples (reads <dataDir>/tsdb.db, works while the hub runs; or asks a hub with --server)')
    .argument('<selector>', 'metric name, optionally with matchers: gpu_power_watts{gpu="0",node=~"gpu-0[1-4]"}')
    .option('-c, --config <file>', CONFIG_HELP)
    .option('--node <name>', 'only this node (same as --label node=<name>)')
    .option('--cluster <name>', 'only this cluster (same as --label cluster=<name>)')
    .option('--label <k=v>', 'label filter (=, !=, =~, !~); repeatable', (v: string, all: string[]) => [...all, v], [])
    .option('--since <duration>', 'range ending now, e.g. 15m, 1h, 24h', '1h')
    .option('--start <time>', 'range start (ISO 8601 or epoch ms); overrides --since')
    .option('--end <time>', 'range end (ISO 8601 or epoch ms)')
    .option('--step <duration>', 'output resolution', '1m')
    .option('--agg <fn>', `aggregation per step: ${AGGREGATIONS.join(', ')}`, 'avg')
    .option('--group-by <labels>', 'merge series per step by these labels (comma-separated): samples pool (avg of all samples), rate/increase/last add')
    .option('--sum-by <labels>', 'add the series\' values per step by these labels (PromQL\'s sum by (...) (<agg>_over_time)): a node\'s GPU power')
    .option('--align <start|end>', 'stamp each point with the start of its step (kcloud\'s) or its end (PromQL\'s; --start/--end are then the first and last stamps)', 'start')
    .option('--format <format>', 'table, json or csv', 'table')
    .option('--server <url>', 'ask this hub\'s API (http(s)://host:port) instead of reading the store file; needs metrics:read')
    .option('--user <name>', 'with --server: hub user; the password comes from --password-file or $KCLOUD_PASSWORD')
    .option('--password-file <file>', 'with --server and --user: file holding the password (first line)')
    .option('--api-key-file <file>', 'with --server: file holding an API key (first line), instead of --user')
    .action(async (selector: string, flags: QueryFlags) => {
      const format = formatOrExit(flags.format, ['table', 'json', 'csv'] as const);
      let query: RangeQuery;
      try {
        query = queryFromFlags(selector, flags, { node: flags.node, cluster: flags.cluster });
      } catch (err) {
        usageError((err as Error).message);
      }
      const output = flags.server
        ? await (await import('./query-server.js')).queryServer(flags.server, selector, flags, query)
        : await (await import('./query-local.js')).queryLocal(flags.config, query);
      const { renderQuery } = await import('../../shared/format/query-output.js');
      process.stdout.write(renderQuery(output, format));
    });
}
