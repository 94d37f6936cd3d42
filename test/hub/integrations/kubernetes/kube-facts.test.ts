import { describe, expect, it } from 'vitest';
import type { KubePod } from '../../../../hub/integrations/kubernetes/cluster-watch.js';
import { nodeFacts, nodeRole, podFacts, workloadOf } from '../../../../hub/integrations/kubernetes/kube-facts.js';
import { gpuPods, withPodLabels } from '../../../../hub/integrations/kubernetes/pod-labels.js';
import type { LatestSample } from '../../../../hub/fleet/latest-values.js';

describe('Kubernetes facts of pods and nodes (pure)', () => {
  it('a pod: containers (init first), container IDs without the runtime prefix, its controller; incomplete objects give none', () => {
    const facts = podFacts({
      metadata: { uid: 'u1', name: 'p', namespace: 'ns', labels: { a: 'b' }, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'n', uid: 'x' }, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f', uid: 'y', controller: true }] },
      spec: { nodeName: 'gpu1', initContainers: [{ name: 'init' }], containers: [{ name: 'main' }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'main', containerID: 'cri-o://abc123', image: '', imageID: '', ready: true, restartCount: 0 }] },
    });
    expect(facts).toEqual({ uid: 'u1', namespace: 'ns', name: 'p', node: 'gpu1', phase: 'Running', containers: ['init', 'main'], containerIds: { abc123: 'main' }, controller: { kind: 'ReplicaSet', name: 'web-5d8f' }, labels: { a: 'b' } });
    expect(workloadOf(facts!, (ns, name) => (ns === 'ns' && name === 'web-5d8f' ? { kind: 'Deployment', name: 'web' } : undefined))).toEqual({ kind: 'Deployment', name: 'web' });
    // A ReplicaSet not known (yet), or one with no owner, stays the owner.
    expect(workloadOf(facts!, () => undefined)).toEqual({ kind: 'ReplicaSet', name: 'web-5d8f' });
    expect(workloadOf(facts!, () => null)).toEqual({ kind: 'ReplicaSet', name: 'web-5d8f' });
    expect(podFacts({ metadata: { name: 'no-uid' } })).toBeNull();
  });

  it('a node: roles from node-role labels, Ready as true/false/null, GPU counts only when they are whole numbers', () => {
    const n = nodeFacts({
      metadata: { name: 'n1', labels: { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/gpu': 'true', 'node-role.kubernetes.io/': '', 'kubernetes.io/os': 'linux' } },
      status: { capacity: { 'nvidia.com/gpu': '8' }, allocatable: { 'nvidia.com/gpu': '1k' }, conditions: [{ type: 'Ready', status: 'False' }] },
    });
    expect(n).toMatchObject({ roles: ['gpu', 'worker'], ready: false, gpuCapacity: 8, gpuAllocatable: null });
    expect(nodeFacts({ metadata: { name: 'n2' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } })).toMatchObject({ roles: [], ready: null, gpuCapacity: null });
    expect(nodeRole(['control-plane'])).toBe('master');
    expect(nodeRole(['master', 'etcd'])).toBe('master');
    expect(nodeRole([])).toBe('worker');
    expect(nodeRole(['gpu'])).toBe('worker');
  });
});

describe('pod labels on GPU series', () => {
  const pod = (uid: string, name: string, containers: string[], containerIds: Record<string, string> = {}): KubePod => ({ uid, namespace: 'ml', name, node: 'g', phase: 'Running', containers, containerIds, controller: null, labels: {}, owner: null });
  const sample = (uuid: string, pid: string, uid: string, extra: Record<string, string> = {}): LatestSample => ({ metric: 'gpu_process_power_watts', labels: { cluster: 'lab', node: 'g', uuid, pid, pod_uid: uid, container_id: '', namespace: '', pod: '', container: '', ...extra }, ts: 1, value: 1 });

  it('names the pod and its container (by container ID, else the agent label, else the only container); unknown pods keep what the agent sent', () => {
    const pods = new Map([
      ['u1', pod('u1', 'a', ['x', 'y'], { c1: 'y' })],
      ['u2', pod('u2', 'b', ['solo'])],
    ]);
    const lookup = (cluster: string, uid: string) => (cluster === 'lab' ? (pods.get(uid) ?? null) : null);
    const out = withPodLabels(
      [sample('G0', '1', 'u1', { container_id: 'c1' }), sample('G0', '2', 'u1', { container: 'x' }), sample('G1', '3', 'u2'), sample('G1', '4', 'u9', { namespace: 'agent-ns', pod: 'agent-pod' }), sample('G1', 'idle', '')],
      lookup,
    );
    expect(out.map((s) => [s.labels.namespace, s.labels.pod, s.labels.container])).toEqual([
      ['ml', 'a', 'y'],
      ['ml', 'a', 'x'],
      ['ml', 'b', 'solo'],
      ['agent-ns', 'agent-pod', ''],
      ['', '', ''],
    ]);
  });

  it('a GPU used by one pod gets its labels (container empty when two of its containers use it); a GPU shared by pods gets none', () => {
    const named = (uuid: string, uid: string, podName: string, container: string) => sample(uuid, `${uid}${container}`, uid, { namespace: 'ml', pod: podName, container });
    const map = gpuPods([named('G0', 'u1', 'a', 'main'), named('G1', 'u1', 'a', 'main'), named('G1', 'u1', 'a', 'side'), named('G2', 'u1', 'a', 'main'), named('G2', 'u2', 'b', 'main'), sample('G3', '9', 'u3')]);
    expect(Object.fromEntries(map)).toEqual({
      G0: { namespace: 'ml', pod: 'a', container: 'main' },
      G1: { namespace: 'ml', pod: 'a', container: '' },
    });
  });
});
