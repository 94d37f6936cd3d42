import { metricDef } from '../../shared/metrics/index.js';
import type { HubConfig } from '../config.js';
import type { TsdbOptions } from '../tsdb/options.js';

/** The tsdb options from the hub config; the hub and `kcloud-hub query` open the store with the same ones. */
export function tsdbOptions(config: HubConfig): TsdbOptions {
  return {
    retention: { raw: config.retention.raw, '1m': config.retention.minute, '1h': config.retention.hour },
    // Counters get reset-aware increases in their rollups (energy totals).
    isCounter: (metric) => metricDef(metric)?.type === 'counter',
    readCacheBytes: config.storage.readCacheBytes,
  };
}
