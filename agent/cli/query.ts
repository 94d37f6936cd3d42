import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parseFormat } from '../../shared/format/output-format.js';
import { runQuery } from '../../shared/query/engine.js';
import { parseLabelFlag, parseSelector } from '../../shared/query/matchers.js';
import { resolveRange } from '../../shared/query/range.js';
import { renderQuery } from '../../shared/query/render.js';
import { AGGREGATIONS, type Aggregation } from '../../shared/query/types.js';
import { HistoryStore } from '../history/store.js';
import { configOrExit, usageError } from './options.js';

interface QueryFlags {
  config?: string;
  since: string;
  start?: string;
  end?: string;
  step: string;
  agg: string;
  gpu?: string;
  label: string[];
  groupBy?: string;
  format: string;
}

/** `kcloud-agent query`: answers from the local history, with no network. */
export function registerQueryCommand(program: Command): void {
  program
    .command('query')
    .description('query this host\'s recent history offline (from <dataDir>/history.db)')
    .argument('<selector>', 'metric name, optionally with matchers: gpu_power_watts{gpu="0"}')
    .option('-c, --config <file>', 'agent config file (to find dataDir)')
    .option('--since <duration>', 'range ending now, e.g. 15m, 1h, 24h', '1h')
    .option('--start <time>', 'range start (ISO 8601 or epoch ms); overrides --since')
    .option('--end <time>', 'range end (ISO 8601 or epoch ms)', undefined)
    .option('--step <duration>', 'output resolution', '1m')
    .option('--agg <fn>', `aggregation per step: ${AGGREGATIONS.join(', ')}`, 'avg')
    .option('--gpu <index>', 'only this GPU (same as --label gpu=<index>)')
    .option('--label <k=v>', 'label filter (=, !=, =~, !~); repeatable', (v: string, all: string[]) => [...all, v], [])
    .option('--group-by <labels>', 'merge series per step by these labels (comma-separated)')
    .option('--format <format>', 'table, json or csv', 'table')
    .action((selector: string, flags: QueryFlags) => {
      const config = configOrExit(flags.config);
      let query;
      let format;
      try {
        format = parseFormat(flags.format, ['table', 'json', 'csv'] as const);
        if (!(AGGREGATIONS as readonly string[]).includes(flags.agg)) throw new Error(`invalid --agg "${flags.agg}": use ${AGGREGATIONS.join(', ')}`);
        const { metric, matchers } = parseSelector(selector);
        matchers.push(...flags.label.map(parseLabelFlag));
        if (flags.gpu !== undefined) matchers.push({ label: 'gpu', op: '=', value: flags.gpu });
        const range = resolveRange({ since: flags.since, start: flags.start, end: flags.end, step: flags.step });
        const groupBy = flags.groupBy?.split(',').map((s) => s.trim()).filter(Boolean);
        query = { metric, matchers, ...range, agg: flags.agg as Aggregation, groupBy };
      } catch (err) {
        usageError((err as Error).message);
      }
      const file = join(config.dataDir, 'history.db');
      if (!existsSync(file)) {
        console.error(`kcloud-agent: no local history at ${file} (has the agent run with dataDir ${config.dataDir}?)`);
        process.exit(1);
      }
      const store = HistoryStore.open(file, { retentionMs: 0, readonly: true });
      try {
        const series = runQuery(store, query);
        process.stdout.write(renderQuery({ metric: query.metric, start: query.start, end: query.end, step: query.step, agg: query.agg, series }, format));
      } finally {
        store.close();
      }
    });
}
