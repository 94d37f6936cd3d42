import { parseDuration } from '../../shared/duration.js';
import type { HubConfig } from '../config.js';
import type { IngestLimits } from './pipeline.js';

/** Ingest's limits from the hub config (`ingest.limits`, and `retention.raw` for the oldest sample taken). */
export function ingestLimits(config: HubConfig): IngestLimits {
  const l = config.ingest.limits;
  return {
    clockToleranceMs: parseDuration(l.clockTolerance),
    retentionMs: parseDuration(config.retention.raw),
    series: { perNode: l.seriesPerNode, newPerMinute: l.newSeriesPerMinute, labels: l.labelsPerSeries, labelValueLength: l.labelValueLength },
  };
}
