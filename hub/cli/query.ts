import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { renderQuery } from '../../shared/format/query-output.js';
import { runQuery } from '../../shared/query/engine.js';
import { queryFromFlags, type RangeFlags } from '../../shared/query/flags.js';
import { AGGREGATIONS, type RangeQuery } from '../../shared/query/types.js';
import { hubFiles } from '../core/paths.js';
import { tsdbOptions } from '../core/store-options.js';
import { configOrExit, CONFIG_HELP, formatOrExit, usageError } from './options.js';

interface QueryFlags extends RangeFlags {
  config?: string;
  node?: string;
  cluster?: string;
  format: string;
}

/** `kcloud-hub query`: the fleet's stored samples through the shared query engine, beside the running hub. */
export function registerQueryCommand(program: Command): void {
  program
    .command('query')
    .description('query stored samples (reads <dataDir>/tsdb.db; works while the hub runs)')
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
    .option('--group-by <labels>', 'merge series per step by these labels (comma-separated)')
    .option('--format <format>', 'table, json or csv', 'table')
    .action(async (selector: string, flags: QueryFlags) => {
      const format = formatOrExit(flags.format, ['table', 'json', 'csv'] as const);
      const config = configOrExit(flags.config);
      let query: RangeQuery;
      try {
        query = queryFromFlags(selector, flags, { node: flags.node, cluster: flags.cluster });
      } catch (err) {
        usageError((err as Error).message);
      }
      const file = hubFiles(config.dataDir).tsdb;
      if (!existsSync(file)) {
        console.error(`kcloud-hub: no store at ${file} (has the hub run with dataDir ${config.dataDir}?)`);
        process.exit(1);
      }
      // Loaded here, not at the top: the other commands start without the store code.
      const { openTsdb } = await import('../tsdb/store.js');
      const store = openTsdb(file, tsdbOptions(config));
      try {
        const series = runQuery(store, query);
        process.stdout.write(renderQuery({ metric: query.metric, start: query.start, end: query.end, step: query.step, agg: query.agg, series }, format));
      } finally {
        store.close();
      }
    });
}
