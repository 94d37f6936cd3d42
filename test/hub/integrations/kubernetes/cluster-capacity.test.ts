import type { V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { capacityOf, readClusterCapacity } from '../../../../hub/integrations/kubernetes/cluster-capacity.js';

const node = (name: string, allocatable: Record<string, string>, ready = 'True', unschedulable = false): V1Node => ({
  metadata: { name },
  spec: { unschedulable },
  status: { allocatable, conditions: [{ type: 'Ready', status: ready }] },
});

describe('cluster capacity from the nodes', () => {
  it("sums the Ready, schedulable nodes' allocatable CPU, memory and nvidia.com/gpu; quantities in any Kubernetes spelling", () => {
    const nodes = [
      node('a', { cpu: '3500m', memory: '16Gi', 'nvidia.com/gpu': '2' }),
      node('b', { cpu: '2', memory: '8000Mi' }),
      node('c', { cpu: '64', memory: '1Ti', 'nvidia.com/gpu': '8' }, 'False'),
      node('d', { cpu: '64', memory: '1Ti', 'nvidia.com/gpu': '8' }, 'True', true),
      node('e', { cpu: 'lots', memory: '1e9', 'nvidia.com/gpu': '1' }),
      { metadata: { name: 'no-status' } },
    ];
    expect(capacityOf(nodes)).toEqual({ nodes: 6, readyNodes: 3, allocatable: { cpuMilli: 5500, memoryBytes: 16 * 1024 ** 3 + 8000 * 1024 ** 2 + 1e9, gpu: 3 } });
  });

  it('reports a cluster that refuses or does not answer as down with the reason, never as zero capacity', async () => {
    const refused = await readClusterCapacity({ name: 'x', listNodes: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')) }, 1000);
    expect(refused).toEqual({ name: 'x', status: 'down', nodes: null, readyNodes: null, allocatable: null, reason: 'listing nodes failed: connect ECONNREFUSED 127.0.0.1:1' });
    const silent = await readClusterCapacity({ name: 'y', listNodes: () => new Promise<never>(() => {}) }, 20);
    expect(silent).toMatchObject({ status: 'down', allocatable: null, reason: 'listing nodes failed: no answer within 20 ms' });
    expect(await readClusterCapacity({ name: 'z', listNodes: async () => [node('a', { cpu: '1', memory: '1Gi' })] }, 1000)).toMatchObject({ status: 'up', readyNodes: 1, allocatable: { cpuMilli: 1000, gpu: 0 } });
  });
});
