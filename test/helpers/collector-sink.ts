import type { CollectorSink, Sample } from '../../agent/collectors/types.js';

/** A CollectorSink that records everything a collector delivers. */
export function recordingSink() {
  const batches: Sample[][] = [];
  const inventories: Record<string, unknown>[] = [];
  const errors: Error[] = [];
  const sink: CollectorSink = {
    samples: (s) => batches.push(s),
    inventory: (f) => inventories.push(f),
    error: (e) => errors.push(e),
  };
  return { sink, batches, inventories, errors };
}
