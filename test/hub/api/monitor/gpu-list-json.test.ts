import fastJson from 'fast-json-stringify';
import type { TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { GpuListJson, type GpuListRow } from '../../../../hub/api/monitor/gpu-list-json.js';
import { GpuListResponse } from '../../../../hub/api/monitor/schemas/accelerators.js';

/** What Fastify wrote for the route before: its serialiser of the response schema, over the whole answer. */
const schemaSerializer = fastJson(GpuListResponse[200] as TSchema);

/** Strings an agent's inventory may carry: JSON's escapes, line separators JavaScript once refused, a lone surrogate, markup. */
const HOSTILE = ['quote " and backslash \\', 'tab\tnewline\ncontrol\u0001nul\u0000', 'line sep \u2028 para sep \u2029', 'lone surrogate \ud800 end', '</script><!--', '"data":[]', '],"metadata":{'];

const envelope = (cluster = 'all') => ({
  timestamp: '2026-12-07T12:00:00.000Z',
  cluster,
  resource_type: 'gpu',
  data: [] as never[],
  metadata: { query_time_ms: 1.25, cache_hit: false, data_source: 'nvidia-smi' as const, total_count: 2, limit: null, offset: 0 },
});

function row(i: number, over: Record<string, string | number | null> = {}, metrics = true): GpuListRow {
  const base: Record<string, string | number | null> = {
    gpu_id: `nvidia${i}`,
    uuid: `GPU-${i}`,
    node: 'node-1',
    cluster: 'prod',
    model: 'NVIDIA H100 80GB HBM3',
    driver_version: '550.54.15',
    cuda_version: null,
    memory_total_mb: 81559,
    mig_mode: 'Disabled',
    status: 'active',
    power_watts: 312.5,
    temperature_celsius: null,
    utilization_percent: 0,
    memory_used_mb: 1024.125,
  };
  if (metrics) Object.assign(base, { power_limit_watts: 700, memory_utilization_percent: null, process_count: 2, last_sample_at: '2026-12-07T11:59:59.000Z' });
  return { ...base, ...over };
}

const keyOf = (r: GpuListRow) => `${r.node}\u0000${r.uuid}`;
const parsed = (body: string) => JSON.parse(body) as { data: Record<string, unknown>[]; cluster: string; metadata: Record<string, unknown> };

describe('GPU list JSON from per-GPU fragments', () => {
  it('writes the bytes the response schema\'s serialiser writes, for both shapes and hostile strings', () => {
    const rows = [
      row(0),
      row(1, { model: HOSTILE.join(' | '), uuid: HOSTILE[0]!, driver_version: HOSTILE[3]!, status: 'error', power_watts: null, last_sample_at: null }),
      ...HOSTILE.map((s, i) => row(2 + i, { uuid: `GPU-${s}`, model: s, mig_mode: s })),
    ];
    const plain = [row(0, {}, false), row(1, { model: HOSTILE[2]! }, false)];
    for (const [data, cluster] of [[rows, 'all'], [plain, 'prod']] as const) {
      const json = new GpuListJson().serialize(envelope(cluster), data, keyOf);
      expect(json).toBe(schemaSerializer({ ...envelope(cluster), data }));
      // Valid JSON whose strings come back as they went in.
      expect(parsed(json).data).toEqual(data);
    }
  });

  it('shows a changed reading, a row gone and a row added in the next answer, reusing nothing stale', () => {
    const list = new GpuListJson();
    const first = [row(0), row(1), row(2)];
    expect(parsed(list.serialize(envelope(), first, keyOf)).data).toEqual(first);

    // GPU 1's power changes, GPU 2 goes stale (its readings null, status error), GPU 0 is as it was.
    const second = [row(0), row(1, { power_watts: 450 }), row(2, { power_watts: null, utilization_percent: null, status: 'error', last_sample_at: null })];
    const body = list.serialize(envelope(), second, keyOf);
    expect(parsed(body).data).toEqual(second);
    expect(body).toBe(schemaSerializer({ ...envelope(), data: second }));

    // GPU 0 removed, GPU 3 added; a value changing back is seen too.
    const third = [row(1, { power_watts: 312.5 }), row(2), row(3)];
    expect(parsed(list.serialize(envelope(), third, keyOf)).data).toEqual(third);
    // The same GPU in the other shape (include_metrics off) is its own fragment.
    const plain = [row(1, {}, false)];
    expect(parsed(list.serialize(envelope(), plain, (r) => `list\u0000${keyOf(r)}`)).data).toEqual(plain);
  });

  it('refuses a row the schema refuses, as the route\'s serialiser did', () => {
    const bad = [row(0, { power_watts: 'lots' })];
    expect(() => schemaSerializer({ ...envelope(), data: bad })).toThrow(/power_watts/);
    expect(() => new GpuListJson().serialize(envelope(), bad, keyOf)).toThrow(/power_watts/);
  });
});
