import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parseFormat } from '../../shared/format/output-format.js';
import { queryFromFlags, type RangeFlags } from '../../shared/query/flags.js';
import { AGGREGATIONS, type RangeQuery } from '../../shared/query/types.js';
import { HistoryStore } from '../history/store.js';
import { configOrExit, usageError } from './options.js';

export interface QueryFlags extends RangeFlags {
  config?: string;
  gpu?: string;
  format: string;
}

/** `kcloud-agent query`: answers from `<dataDir>/history.db` alone, with no network. */
export function registerQueryCommand(program: Command): void {
  program
    .command('query')
    .description("query this host's recent history offline (from <dataDir>/history.db)")
    .argument('<metric>', 'metric name, optionally with matchers: gpu_power_watts{gpu="0"}')
    .option('-c, --config <file>', 'agent config file (to find dataDir, node and cluster)')
    .option('--since <duration>', 'range ending now (or at --end), e.g. 15m, 1h, 24h', '1h')
    .option('--start <time>', 'range start (ISO 8601 or epoch ms); overrides --since')
    .option('--end <time>', 'range end (ISO 8601 or epoch ms), default now')
    .option('--step <duration>', 'output resolution (whole minutes read the 1-minute rollups)', '1m')
    .option('--agg <fn>', `aggregation per step: ${AGGREGATIONS.join(', ')}`, 'avg')
    .option('--gpu <index>', 'only this GPU (same as --label gpu=<index>)')
    .option('--label <k=v>', 'label filter (=, !=, =~, !~); repeatable', (v: string, all: string[]) => [...all, v], [])
    .option('--group-by <labels>', 'merge series per step by these labels, comma-separated ("" merges all)')
    .option('--format <format>', 'table, json or csv', 'table')
    .action(async (selector: string, flags: QueryFlags) => {
      const config = configOrExit(flags.config);
      let query: RangeQuery;
      let format: 'table' | 'json' | 'csv';
      try {
        format = parseFormat(flags.format, ['table', 'json', 'csv'] as const);
        query = queryFromFlags(selector, flags, { gpu: flags.gpu });
      } catch (err) {
        usageError((err as Error).message);
      }
      const file = join(config.dataDir, 'history.db');
      if (!existsSync(file)) {
        console.error(`kcloud-agent: no local history at ${file} (has the agent run with dataDir ${config.dataDir}?)`);
        process.exitCode = 1;
        return;
      }
      let store: HistoryStore;
      try {
        store = HistoryStore.open(file, { retentionMs: 0, readonly: true, labels: { cluster: config.cluster, node: config.node } });
      } catch (err) {
        console.error(`kcloud-agent: cannot read ${file}: ${(err as Error).message}`);
        process.exitCode = 1;
        return;
      }
      try {
        // Loaded here, not at the top: every `kcloud-agent run` (the long-lived service) would carry them otherwise.
        const [{ runQuery }, { renderQuery }] = await Promise.all([import('../../shared/query/engine.js'), import('../../shared/format/query-output.js')]);
        const series = runQuery(store, query);
        const { metric, start, end, step, agg } = query;
        process.stdout.write(renderQuery({ metric, start, end, step, agg, series }, format));
      } finally {
        store.close();
      }
    });
}
