import { describe, expect, it } from 'vitest';
import { toSampleRow } from '../../../hub/prometheus/to-samples.js';

const series = (labels: Record<string, string>) => ({ labels: { __name__: 'DCGM_FI_DEV_FB_USED', gpu: '0', UUID: 'GPU-a', ...labels }, ts: 1000, value: 2048 });

describe('toSampleRow', () => {
  it('reads the node from Hostname, or from hostname where an exporter only has the new spelling', () => {
    const want = { metric: 'gpu_memory_used_bytes', labels: { node: 'gpu-01', cluster: 'lab', gpu: '0', uuid: 'GPU-a' }, ts: 1000, value: 2048 * 1024 * 1024 };
    expect(toSampleRow(series({ Hostname: 'gpu-01' }), 'lab')).toEqual(want);
    expect(toSampleRow(series({ hostname: 'gpu-01' }), 'lab')).toEqual(want);
  });

  it("keeps a MIG instance's GPU_I_ID / GPU_I_PROFILE apart from its GPU's series (per-instance profiling)", () => {
    const labels = { __name__: 'DCGM_FI_PROF_GR_ENGINE_ACTIVE', gpu: '0', UUID: 'GPU-a', Hostname: 'gpu-01' };
    expect(toSampleRow({ labels: { ...labels, GPU_I_ID: '2', GPU_I_PROFILE: '3g.40gb' }, ts: 1000, value: 0.5 }, 'lab')).toEqual({
      metric: 'gpu_graphics_engine_active_ratio',
      labels: { node: 'gpu-01', cluster: 'lab', gpu: '0', uuid: 'GPU-a', gpu_i: '2', profile: '3g.40gb' },
      ts: 1000,
      value: 0.5,
    });
    expect(toSampleRow({ labels, ts: 1000, value: 0.7 }, 'lab')?.labels).toEqual({ node: 'gpu-01', cluster: 'lab', gpu: '0', uuid: 'GPU-a' });
  });

  it('gives null for a series that names no host', () => {
    expect(toSampleRow(series({}), 'lab')).toBeNull();
  });
});
