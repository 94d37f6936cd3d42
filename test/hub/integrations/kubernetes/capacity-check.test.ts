import { describe, expect, it } from 'vitest';
import { capacityWarnings, shortageOf } from '../../../../hub/integrations/kubernetes/capacity-check.js';
import type { ClusterCapacity } from '../../../../hub/integrations/kubernetes/cluster-capacity.js';

const GiB = 1024 ** 3;
const up = (gpu: number, cpuMilli = 32_000, memoryBytes = 128 * GiB): ClusterCapacity => ({ name: 'lab', status: 'up', nodes: 2, readyNodes: 2, allocatable: { cpuMilli, memoryBytes, gpu }, reason: null });
const down: ClusterCapacity = { name: 'lab', status: 'down', nodes: null, readyNodes: null, allocatable: null, reason: 'listing nodes failed: connect ECONNREFUSED 127.0.0.1:1' };
const none = { cpuMilli: 0, memoryBytes: 0, gpu: 0 };

describe('capacity check of a manifest or tenant against the live cluster', () => {
  it('warns when GPUs go beyond the capacity, beyond what other tenants leave free, or above 80 %; nothing when they fit', () => {
    expect(capacityWarnings({ cpuMilli: 1000, memoryBytes: GiB, gpu: 10 }, up(6), none)).toEqual([
      "nvidia.com/gpu: the manifest requests 10, beyond cluster lab's capacity (6 allocatable on its Ready nodes)",
    ]);
    expect(capacityWarnings({ cpuMilli: 1000, memoryBytes: GiB, gpu: 4 }, up(6), { cpuMilli: 0, memoryBytes: 0, gpu: 3 })).toEqual([
      "nvidia.com/gpu: the manifest requests 4, more than cluster lab has free (3 of 6; other tenants' quotas hold 3)",
    ]);
    expect(capacityWarnings({ cpuMilli: 1000, memoryBytes: GiB, gpu: 9 }, up(10), none)).toEqual(["nvidia.com/gpu: the manifest requests 9, more than 80% of cluster lab's capacity (10)"]);
    expect(capacityWarnings({ cpuMilli: 1000, memoryBytes: GiB, gpu: 8 }, up(10), none)).toEqual([]);
    expect(capacityWarnings({ cpuMilli: 0, memoryBytes: 0, gpu: 0 }, up(0), none)).toEqual([]);
  });

  it('CPU and memory are checked the same way', () => {
    expect(capacityWarnings({ cpuMilli: 40_000, memoryBytes: 200 * GiB, gpu: 0 }, up(0), none)).toEqual([
      "CPU: the manifest requests 40000m, beyond cluster lab's capacity (32000m allocatable on its Ready nodes)",
      "memory: the manifest requests 204800Mi, beyond cluster lab's capacity (131072Mi allocatable on its Ready nodes)",
    ]);
  });

  it('a cluster that did not answer, or none configured, is a warning saying capacity was not checked, never a silent pass', () => {
    expect(capacityWarnings({ cpuMilli: 1, memoryBytes: 1, gpu: 1000 }, down, none)).toEqual(['cluster capacity could not be checked: cluster lab: listing nodes failed: connect ECONNREFUSED 127.0.0.1:1']);
    expect(capacityWarnings({ cpuMilli: 1, memoryBytes: 1, gpu: 1 }, null, none)).toEqual(['cluster capacity not checked: no Kubernetes cluster is configured (kubernetes.clusters)']);
    expect(shortageOf({ cpuMilli: 1, memoryBytes: 1, gpu: 1000 }, down, none)).toEqual({ unchecked: expect.stringMatching(/^cluster capacity could not be checked: cluster lab: /) });
  });

  it('shortage: the first resource a tenant needs beyond what is free beside the other tenants; null when it fits', () => {
    expect(shortageOf({ cpuMilli: 1000, memoryBytes: GiB, gpu: 3 }, up(6), { cpuMilli: 0, memoryBytes: 0, gpu: 4 })).toEqual({
      shortage: { resource: 'nvidia.com/gpu', requested: '3', free: '2', allocatable: '6', held: '4' },
    });
    expect(shortageOf({ cpuMilli: 1000, memoryBytes: GiB, gpu: 2 }, up(6), { cpuMilli: 0, memoryBytes: 0, gpu: 4 })).toBeNull();
    expect(shortageOf({ cpuMilli: 33_000, memoryBytes: GiB, gpu: 0 }, up(6), none)).toMatchObject({ shortage: { resource: 'CPU', requested: '33000m', free: '32000m' } });
  });
});
