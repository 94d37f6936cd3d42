import { existsSync } from 'node:fs';
import type { QueryOutput } from '../../shared/format/query-output.js';
import { runQuery } from '../../shared/query/engine.js';
import type { RangeQuery } from '../../shared/query/types.js';
import { hubFiles } from '../core/paths.js';
import { tsdbOptions } from '../core/store-options.js';
import { openTsdb } from '../tsdb/store.js';
import { configOrExit } from './options.js';

/** `kcloud-hub query` on `<dataDir>/tsdb.db` (WAL: read beside the running hub); exits 1 when there is no store. */
export function queryLocal(configFlag: string | undefined, query: RangeQuery): QueryOutput {
  const config = configOrExit(configFlag);
  const file = hubFiles(config.dataDir).tsdb;
  if (!existsSync(file)) {
    console.error(`kcloud-hub: no store at ${file} (has the hub run with dataDir ${config.dataDir}?)`);
    process.exit(1);
  }
  const store = openTsdb(file, tsdbOptions(config));
  try {
    return { metric: query.metric, start: query.start, end: query.end, step: query.step, agg: query.agg, series: runQuery(store, query) };
  } finally {
    store.close();
  }
}
