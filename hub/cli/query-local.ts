import { existsSync } from 'node:fs';
import type { QueryOutput } from '../../shared/format/query-output.js';
import { runQuery } from '../../shared/query/engine.js';
import type { RangeQuery } from '../../shared/query/types.js';
import { hubFiles } from '../core/paths.js';
import { tsdbOptions } from '../core/store-options.js';
import { keyring, SecretStore } from '../identity/secrets.js';
import { localPlan, planMetadata, remoteReaderFor, type RemoteReader } from '../remote-read/remote-read.js';
import { storeNote } from '../remote-read/report.js';
import { openTsdb } from '../tsdb/store.js';
import { configOrExit, withHubDb } from './options.js';

/**
 * `kcloud-hub query` on `<dataDir>/tsdb.db` (WAL: read beside the running
 * hub), and on the remote store for the steps beyond local retention when
 * storage.remoteRead says so (stderr names the stores); exits 1 when there
 * is no store or a secret the remote read needs is missing.
 */
export async function queryLocal(configFlag: string | undefined, query: RangeQuery): Promise<QueryOutput> {
  const config = configOrExit(configFlag);
  const file = hubFiles(config.dataDir).tsdb;
  if (!existsSync(file)) {
    console.error(`kcloud-hub: no store at ${file} (has the hub run with dataDir ${config.dataDir}?)`);
    process.exit(1);
  }
  let reader: RemoteReader | null = null;
  if (config.storage.remoteRead) {
    try {
      reader = await withHubDb(config, (db) => remoteReaderFor(config, new SecretStore(db, keyring(config.dataDir))));
    } catch (err) {
      console.error(`kcloud-hub: ${(err as Error).message}`);
      process.exit(1);
    }
  }
  const store = openTsdb(file, tsdbOptions(config));
  try {
    const plan = reader ? await reader.plan(store, [query], query) : localPlan(store);
    if (reader) process.stderr.write(storeNote(planMetadata(plan)));
    return { metric: query.metric, start: query.start, end: query.end, step: query.step, agg: query.agg, ...(query.align ? { align: query.align } : {}), series: runQuery(plan.source, query) };
  } finally {
    store.close();
  }
}
