import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startApiHub } from '../helpers/api.js';

/** The tsdb's read cache as the hub reports it in status.json, after one query at 1 m over an hour of a GPU's power. */
async function readCacheAfterAQuery(storage: Record<string, unknown>): Promise<{ entries: number; bytes: number }> {
  const hub = await startApiHub({ storage });
  try {
    const node = await hub.addNode('cache-1', 'lab');
    const now = Date.now();
    await hub.publishTelemetry(node, [{ metric: 'gpu_power_watts', labels: { gpu: '0' }, ts: now - 1000, value: 300 }]);
    const answer = await hub.json('/api/v1/monitoring/query?selector=gpu_power_watts&since=1h&step=1m&agg=max');
    expect(answer.data.series).toHaveLength(1);
    await hub.hub.writeState();
    return (JSON.parse(readFileSync(join(hub.dataDir, 'status.json'), 'utf8')) as { store: { readCache: { entries: number; bytes: number } } }).store.readCache;
  } finally {
    await hub.close();
  }
}

describe('storage.readCacheBytes', () => {
  it('bounds what the hub keeps of decoded rollup blocks: the default keeps the blocks a query read, 0 keeps none', async () => {
    const kept = await readCacheAfterAQuery({});
    expect(kept.entries).toBeGreaterThan(0);
    expect(kept.bytes).toBeGreaterThan(0);
    expect(await readCacheAfterAQuery({ readCacheBytes: 0 })).toEqual({ entries: 0, bytes: 0 });
  }, 120_000);
});
