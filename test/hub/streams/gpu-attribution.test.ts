import { describe, expect, it } from 'vitest';
import type { LatestSample } from '../../../hub/fleet/latest-values.js';
import { attributeGpuPower } from '../../../hub/streams/gpu-attribution.js';
import { prng } from '../../helpers/prng.js';

const gpu = (node: string, uuid: string, value: number): LatestSample => ({ metric: 'gpu_power_watts', labels: { node, cluster: 'c', gpu: '0', uuid }, ts: 1, value });
const proc = (node: string, uuid: string, pid: string, value: number, ns = '', pod = ''): LatestSample => ({
  metric: 'gpu_process_power_watts',
  labels: { node, cluster: 'c', gpu: '0', uuid, pid, namespace: ns, pod, container: '', container_id: '', pod_uid: '' },
  ts: 1,
  value,
});

describe('attributeGpuPower', () => {
  it('groups pods by namespace or workload, keeps idle, host and unattributed power apart', () => {
    const gpus = [gpu('a', 'G1', 300), gpu('b', 'G2', 100)];
    const procs = [proc('a', 'G1', '1', 100, 'ml', 'p1'), proc('a', 'G1', '2', 50, 'ml', 'p2'), proc('a', 'G1', '3', 30), proc('a', 'G1', 'idle', 120)];
    const byNs = attributeGpuPower(gpus, procs, 'namespace');
    expect(byNs).toEqual([
      { kind: 'pod', namespace: 'ml', pod: null, watts: 150, members: 2 },
      { kind: 'idle', namespace: null, pod: null, watts: 120, members: 0 },
      { kind: 'unattributed', namespace: null, pod: null, watts: 100, members: 1 },
      { kind: 'host', namespace: null, pod: null, watts: 30, members: 1 },
    ]);
    expect(attributeGpuPower(gpus, procs, 'workload').filter((b) => b.kind === 'pod').map((b) => [b.pod, b.watts])).toEqual([
      ['p1', 100],
      ['p2', 50],
    ]);
  });

  it('conserves the GPU power: the split is scaled to the current reading (random splits)', () => {
    const rand = prng(11);
    for (let round = 0; round < 50; round++) {
      const gpus: LatestSample[] = [];
      const procs: LatestSample[] = [];
      for (let g = 0; g < 1 + Math.floor(rand() * 5); g++) {
        const uuid = `G${g}`;
        gpus.push(gpu('n', uuid, Math.round(rand() * 7000) / 10));
        if (rand() < 0.2) continue;
        for (let p = 0; p < Math.floor(rand() * 4); p++) procs.push(proc('n', uuid, String(p), rand() * 200, rand() < 0.5 ? `ns${p % 2}` : '', `pod${p}`));
        procs.push(proc('n', uuid, 'idle', rand() * 100));
      }
      const total = gpus.reduce((s, g) => s + g.value, 0);
      for (const level of ['namespace', 'workload'] as const) {
        const sum = attributeGpuPower(gpus, procs, level).reduce((s, b) => s + b.watts, 0);
        expect(sum).toBeCloseTo(total, 2);
      }
    }
  });

  it('ignores splits of GPUs with no current power, and sends an all-zero split to idle', () => {
    const out = attributeGpuPower([gpu('a', 'G1', 40)], [proc('a', 'G1', '1', 0, 'ml', 'p'), proc('a', 'G1', 'idle', 0), proc('a', 'G9', '5', 99, 'x', 'y')], 'namespace');
    expect(out).toEqual([{ kind: 'idle', namespace: null, pod: null, watts: 40, members: 0 }]);
  });
});
