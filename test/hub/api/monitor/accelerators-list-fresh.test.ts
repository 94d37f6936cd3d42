import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeStore } from '../../../../hub/identity/nodes.js';
import { startApiHub, type ApiHub, type TestNode } from '../../../helpers/api.js';

/**
 * The GPU list is built from per-GPU JSON fragments reused while a GPU's row
 * is unchanged (hub/api/monitor/gpu-list-json.ts): these tests fail if a
 * fragment outlives what it shows.
 */
const LIST = '/api/v1/accelerators/gpus?include_metrics=true';
const STALE_AFTER_S = 10;

interface Row {
  node: string;
  uuid: string;
  gpu_id: string;
  model: string | null;
  driver_version: string | null;
  memory_total_mb: number | null;
  power_watts: number | null;
  status: string;
}
interface ListAnswer {
  data: Row[];
  metadata: { cache_hit: boolean; total_count: number };
}

const gpu = (index: number, uuid: string, facts: Record<string, unknown> = {}) => ({
  index,
  uuid,
  name: 'NVIDIA H100 80GB HBM3',
  driverVersion: '550.54.15',
  cudaVersion: '12.4',
  memoryTotalBytes: 85_520_809_984,
  migMode: 'Disabled',
  migDevices: [],
  processes: [],
  ...facts,
});
const power = (index: number, uuid: string, value: number, ts = Date.now()) => ({ metric: 'gpu_power_watts', labels: { gpu: String(index), uuid }, value, ts });

/** Asks until `done` holds for an answer (the node directory's reload, a TTL or a freshness window passing), returning that answer. */
async function answerWhen(api: ApiHub, path: string, done: (a: ListAnswer) => boolean): Promise<ListAnswer> {
  for (;;) {
    const answer = (await api.json(path)) as ListAnswer;
    if (done(answer)) return answer;
    await sleep(100);
  }
}

describe('GPU list: fragments follow the fleet (cache off)', () => {
  let api: ApiHub;
  let a: TestNode;
  let b: TestNode;
  beforeAll(async () => {
    api = await startApiHub({ api: { staleAfter: `${STALE_AFTER_S}s` } });
    a = await api.addNode('node-a', 'lab');
    b = await api.addNode('node-b', 'lab');
    await api.publishInventory(a, { gpus: [gpu(0, 'GPU-a0'), gpu(1, 'GPU-a1')] });
    await api.publishInventory(b, { gpus: [gpu(0, 'GPU-b0')] });
    for (const n of [a, b]) await api.publishStatus(n, {});
  });
  afterAll(async () => api?.close());

  const row = (answer: ListAnswer, node: string, uuid: string) => answer.data.find((r) => r.node === node && r.uuid === uuid);

  it('shows a new reading in the next answer, for that GPU only', async () => {
    await api.publishTelemetry(a, [power(0, 'GPU-a0', 100), power(1, 'GPU-a1', 200)]);
    const first = (await api.json(LIST)) as ListAnswer;
    expect([row(first, 'node-a', 'GPU-a0')?.power_watts, row(first, 'node-a', 'GPU-a1')?.power_watts]).toEqual([100, 200]);
    await api.publishTelemetry(a, [power(0, 'GPU-a0', 250)]);
    const second = (await api.json(LIST)) as ListAnswer;
    expect([row(second, 'node-a', 'GPU-a0')?.power_watts, row(second, 'node-a', 'GPU-a1')?.power_watts]).toEqual([250, 200]);
    // The plain list is a fragment of its own: it shows the reading too, without include_metrics' fields.
    const plain = (await api.json('/api/v1/accelerators/gpus')) as ListAnswer;
    expect(row(plain, 'node-a', 'GPU-a0')).toMatchObject({ power_watts: 250 });
    expect(row(plain, 'node-a', 'GPU-a0')).not.toHaveProperty('last_sample_at');
  });

  it('lists a GPU added to an inventory and drops a removed node\'s GPUs', async () => {
    await api.publishInventory(a, { gpus: [gpu(0, 'GPU-a0'), gpu(1, 'GPU-a1'), gpu(2, 'GPU-a2', { name: 'NVIDIA H200' })] });
    const added = (await api.json(LIST)) as ListAnswer;
    expect(added.data.filter((r) => r.node === 'node-a').map((r) => [r.gpu_id, r.uuid, r.model])).toEqual([
      ['nvidia0', 'GPU-a0', 'NVIDIA H100 80GB HBM3'],
      ['nvidia1', 'GPU-a1', 'NVIDIA H100 80GB HBM3'],
      ['nvidia2', 'GPU-a2', 'NVIDIA H200'],
    ]);
    expect(row(added, 'node-b', 'GPU-b0')).toBeDefined();
    // `kcloud-hub node remove` writes hub.db from another process; the hub's node directory reloads it.
    new NodeStore(api.db).remove('node-b');
    const removed = await answerWhen(api, LIST, (ans) => !ans.data.some((r) => r.node === 'node-b'));
    expect(removed.metadata.total_count).toBe(3);
    expect(removed.data.map((r) => r.uuid)).toEqual(['GPU-a0', 'GPU-a1', 'GPU-a2']);
  });

  it('turns a reading older than api.staleAfter into null without a new sample', async () => {
    await api.publishTelemetry(a, [power(1, 'GPU-a1', 321)]);
    const fresh = (await api.json(LIST)) as ListAnswer;
    expect(row(fresh, 'node-a', 'GPU-a1')).toMatchObject({ power_watts: 321, status: 'idle' });
    // Nothing is published: only time passes, and the GPU's fragment must not keep the old reading.
    const stale = await answerWhen(api, LIST, (ans) => row(ans, 'node-a', 'GPU-a1')?.power_watts === null);
    expect(row(stale, 'node-a', 'GPU-a1')).toMatchObject({ power_watts: null, status: 'error' });
  }, (STALE_AFTER_S + 20) * 1000);

  it('answers valid JSON for hostile inventory strings, and null for a fact of the wrong type instead of failing the list', async () => {
    const hostile = 'q"b\\s\u0001\n\u2028</script>"data":[]\ud800';
    const odd = await api.addNode('node-odd', 'lab');
    await api.publishInventory(odd, { gpus: [gpu(0, `GPU-${hostile}`, { name: hostile, driverVersion: 550, memoryTotalBytes: 'lots' })] });
    // The GPU detail goes through Fastify's own serialiser of its schema: the list's fragments must say the same.
    const detail = (await api.json('/api/v1/accelerators/gpus/nvidia0?node=node-odd')) as { data: Row };
    // What ingest keeps of the strings still has JSON's escape character and array brackets in it.
    expect(detail.data.model).toMatch(/\\.*\[\]/s);
    for (const path of [LIST, '/api/v1/accelerators/gpus']) {
      const res = await api.request(path);
      expect(res.status, path).toBe(200);
      const answer = JSON.parse(await res.text()) as ListAnswer;
      expect(answer.data.filter((r) => r.node === 'node-odd')).toEqual([
        expect.objectContaining({ uuid: detail.data.uuid, model: detail.data.model, driver_version: null, memory_total_mb: null, status: 'error' }),
      ]);
    }
  });
});

describe('GPU list: with the response cache', () => {
  let api: ApiHub;
  let n: TestNode;
  beforeAll(async () => {
    api = await startApiHub({ api: { cacheTtl: '1s' } });
    n = await api.addNode('node-c', 'lab');
    await api.publishInventory(n, { gpus: [gpu(0, 'GPU-c0')] });
    await api.publishStatus(n, {});
  });
  afterAll(async () => api?.close());

  it('shows a new reading in the first answer after the TTL', async () => {
    await api.publishTelemetry(n, [power(0, 'GPU-c0', 100)]);
    const miss = (await api.json(LIST)) as ListAnswer;
    expect([miss.metadata.cache_hit, miss.data[0]?.power_watts]).toEqual([false, 100]);
    await api.publishTelemetry(n, [power(0, 'GPU-c0', 175)]);
    const hit = (await api.json(LIST)) as ListAnswer;
    // Within the TTL the cached answer, as documented; the first one computed after it has the new reading.
    if (hit.metadata.cache_hit) expect(hit.data[0]?.power_watts).toBe(100);
    const next = await answerWhen(api, LIST, (ans) => !ans.metadata.cache_hit);
    expect(next.data[0]?.power_watts).toBe(175);
  });
});
