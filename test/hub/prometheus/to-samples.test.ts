import { describe, expect, it } from 'vitest';
import { toSampleRow } from '../../../hub/prometheus/to-samples.js';

const series = (labels: Record<string, string>) => ({ labels: { __name__: 'DCGM_FI_DEV_FB_USED', gpu: '0', UUID: 'GPU-a', ...labels }, ts: 1000, value: 2048 });

describe('toSampleRow', () => {
  it('reads the node from Hostname, or from hostname where an exporter only has the new spelling', () => {
    const want = { metric: 'gpu_memory_used_bytes', labels: { node: 'gpu-01', cluster: 'lab', gpu: '0', uuid: 'GPU-a' }, ts: 1000, value: 2048 * 1024 * 1024 };
    expect(toSampleRow(series({ Hostname: 'gpu-01' }), 'lab')).toEqual(want);
    expect(toSampleRow(series({ hostname: 'gpu-01' }), 'lab')).toEqual(want);
  });

  it('gives null for a series that names no host', () => {
    expect(toSampleRow(series({}), 'lab')).toBeNull();
  });
});
