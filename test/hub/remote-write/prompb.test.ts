import { describe, expect, it } from 'vitest';
import { decodeLabels, decodeWriteRequest, encodeLabels, encodeWriteRequest, type PromLabel } from '../../../hub/remote-write/prompb.js';

const power: PromLabel[] = [
  { name: '__name__', value: 'gpu_power_watts' },
  { name: 'cluster', value: 'lab' },
  { name: 'node', value: 'gpu-01' },
  { name: 'uuid', value: 'GPU-aaaa' },
];
const model: PromLabel[] = [
  { name: '__name__', value: 'gpu_info' },
  { name: 'modelName', value: 'NVIDIA H100 80GB HBM3 — ünïcode' },
];

describe('remote-write protobuf', () => {
  it('encodes a WriteRequest that protobufjs decodes back to the same series, labels and samples (zero, negative, fractional values, 13-digit timestamps)', () => {
    const series = [
      { labels: power, samples: [{ value: 0, timestamp: 1_796_000_000_000 }, { value: -1.5, timestamp: 1_796_000_000_001 }, { value: 312.25, timestamp: 1_796_000_010_000 }] },
      { labels: model, samples: [{ value: 1, timestamp: 0 }] },
    ];
    const decoded = decodeWriteRequest(encodeWriteRequest(series.map((s) => ({ labels: encodeLabels(s.labels), samples: s.samples }))));
    expect(decoded).toEqual(series);
  });

  it('labels encoded once decode to the same labels', () => {
    expect(decodeLabels(encodeLabels(power))).toEqual(power);
    expect(decodeLabels(encodeLabels(model))).toEqual(model);
  });

  it('an empty request is a valid empty WriteRequest', () => {
    expect(decodeWriteRequest(encodeWriteRequest([]))).toEqual([]);
  });
});
