import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClusterWatch } from '../../../../hub/integrations/kubernetes/cluster-watch.js';
import { KubeCluster } from '../../../../hub/integrations/kubernetes/kube-cluster.js';
import { FakeApiServer } from '../../../fakes/kubernetes/apiserver.js';

const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.29';
const RETRY = { minMs: 20, maxMs: 200 };
const OPTS = { maxPods: 100, maxNodes: 100, retry: RETRY };

const dir = mkdtempSync(join(tmpdir(), 'kcloud-kube-watch-'));
let files = 0;
function kubeconfigOf(fake: FakeApiServer): string {
  const file = join(dir, `kubeconfig-${files++}`);
  writeFileSync(file, fake.kubeconfig(), { mode: 0o600 });
  return file;
}

/** Resolves once `cond` holds, checked again on every change the cluster's watches report (no sleeps). */
function until(w: ClusterWatch, cond: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const offs: (() => void)[] = [];
    const check = () => {
      if (!cond()) return;
      for (const off of offs) off();
      resolve();
    };
    for (const c of [w.pods, w.nodes, w.replicaSets]) offs.push(c.onChange(check));
    check();
  });
}

const synced = (w: ClusterWatch) => w.pods.state.state === 'synced' && w.nodes.state.state === 'synced' && w.replicaSets.state.state === 'synced';

function gpuNode(name: string, roles: string[], ready: 'True' | 'False' | 'Unknown', gpus: number) {
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...Object.fromEntries(roles.map((r) => [`node-role.kubernetes.io/${r}`, ''])) } },
    status: {
      capacity: { cpu: '64', memory: '528279012Ki', pods: '110', 'nvidia.com/gpu': String(gpus) },
      allocatable: { cpu: '63500m', memory: '527152612Ki', pods: '110', 'nvidia.com/gpu': String(gpus) },
      conditions: [{ type: 'Ready', status: ready, reason: 'KubeletReady' }],
      nodeInfo: { kubeletVersion: 'v1.29.4', containerRuntimeVersion: 'containerd://1.7.13' },
    },
  };
}

describe('cluster watch: pods, nodes and ReplicaSets held by client-node informers against the fake apiserver', () => {
  const fake = new FakeApiServer({ runPods: true });
  const watches: ClusterWatch[] = [];
  const watch = (kubeconfig: string, opts = OPTS) => {
    const w = new ClusterWatch('fake', kubeconfig, opts);
    watches.push(w);
    w.start();
    return w;
  };

  beforeAll(async () => {
    await fake.start();
  });
  afterEach(async () => {
    await Promise.all(watches.splice(0).map((w) => w.stop()));
  });
  afterAll(async () => {
    await fake.stop();
  });

  it('sees nodes added, modified and deleted: roles, Ready, capacity and allocatable with nvidia.com/gpu', async () => {
    fake.putObject('nodes', gpuNode('gpu-a', ['worker'], 'True', 8));
    fake.putObject('nodes', gpuNode('cp-1', ['control-plane'], 'True', 0));
    const w = watch(kubeconfigOf(fake));
    await until(w, () => synced(w));
    expect(w.node('gpu-a')).toEqual({
      reason: null,
      facts: expect.objectContaining({ name: 'gpu-a', roles: ['worker'], ready: true, gpuCapacity: 8, gpuAllocatable: 8, kubeletVersion: 'v1.29.4', containerRuntime: 'containerd://1.7.13', podsCount: 0 }),
    });
    expect(w.node('gpu-a').facts?.allocatable).toMatchObject({ cpu: '63500m', 'nvidia.com/gpu': '8' });
    expect(w.node('cp-1').facts).toMatchObject({ roles: ['control-plane'], gpuCapacity: 0 });

    fake.modifyObject('nodes', '', 'gpu-a', (n) => {
      (n.status as { conditions: { status: string }[] }).conditions[0]!.status = 'Unknown';
      (n.status as { allocatable: Record<string, string> }).allocatable['nvidia.com/gpu'] = '7';
    });
    await until(w, () => w.node('gpu-a').facts?.gpuAllocatable === 7);
    expect(w.node('gpu-a').facts).toMatchObject({ ready: null, gpuCapacity: 8, gpuAllocatable: 7 });

    fake.putObject('nodes', gpuNode('gpu-b', [], 'False', 4));
    await until(w, () => w.node('gpu-b').facts !== null);
    expect(w.node('gpu-b').facts).toMatchObject({ roles: [], ready: false, gpuCapacity: 4 });

    fake.deleteObject('nodes', '', 'gpu-b');
    await until(w, () => w.node('gpu-b').facts === null);
    expect(w.node('gpu-b')).toEqual({ facts: null, reason: 'cluster fake has no node named gpu-b' });
  });

  it('sees pods the Deployment controller makes: uid -> namespace, name, containers, owner Deployment through its ReplicaSet, labels; and their deletion', async () => {
    const apply = new KubeCluster('fake', kubeconfigOf(fake));
    const w = watch(kubeconfigOf(fake));
    await until(w, () => synced(w));
    fake.scheduleOn = 'gpu-a';
    fake.nextPodUids.push('1b4e28ba-2fa1-11d2-883f-0016d3cca427', '6fa459ea-ee8a-3ca4-894e-db77e160355e');
    await apply.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ml' } });
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'trainer', namespace: 'ml' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'trainer' } },
        template: { metadata: { labels: { app: 'trainer' } }, spec: { containers: [{ name: 'pytorch', image: 'pytorch:2' }, { name: 'sidecar', image: 'busybox' }] } },
      },
    };
    await apply.apply(deployment);
    await until(w, () => w.pod('6fa459ea-ee8a-3ca4-894e-db77e160355e').facts !== null);
    const pod = w.pod('1b4e28ba-2fa1-11d2-883f-0016d3cca427');
    expect(pod.reason).toBeNull();
    expect(pod.facts).toMatchObject({
      namespace: 'ml',
      name: expect.stringMatching(/^trainer-[a-z0-9]{10}-[a-z0-9]{5}$/),
      node: 'gpu-a',
      phase: 'Running',
      containers: ['pytorch', 'sidecar'],
      controller: { kind: 'ReplicaSet', name: expect.stringMatching(/^trainer-/) },
      owner: { kind: 'Deployment', name: 'trainer' },
      labels: { app: 'trainer', 'pod-template-hash': expect.any(String) },
    });
    // The container IDs the agent reads from cgroups map to container names.
    const status = fake.get('pods', 'ml', pod.facts!.name)!.status as { containerStatuses: { name: string; containerID: string }[] };
    expect(Object.entries(pod.facts!.containerIds).sort()).toEqual(status.containerStatuses.map((c) => [c.containerID.replace('containerd://', ''), c.name]).sort());
    expect(w.node('gpu-a').facts?.podsCount).toBe(2);

    // Scaled down to 1: one pod goes (DELETED), the other stays.
    await apply.apply({ ...deployment, spec: { ...deployment.spec, replicas: 1 } });
    await until(w, () => [...w.pods.facts.values()].filter((p) => p.namespace === 'ml').length === 1);
    expect(w.node('gpu-a').facts?.podsCount).toBe(1);

    // A pod changes (MODIFIED): its labels follow.
    const left = [...w.pods.facts.values()].find((p) => p.namespace === 'ml')!;
    fake.modifyObject('pods', 'ml', left.name, (p) => {
      (p.metadata.labels as Record<string, string>).team = 'vision';
    });
    await until(w, () => w.pod(left.uid).facts?.labels.team === 'vision');

    // The Deployment deleted: the garbage collector removes its ReplicaSet and pods.
    await apply.delete(deployment);
    await until(w, () => w.pod(left.uid).facts === null);
    expect(w.pod(left.uid)).toEqual({ facts: null, reason: `cluster fake has no pod with uid ${left.uid}` });
    expect([...w.replicaSets.facts.keys()].filter((k) => k.startsWith('ml/'))).toEqual([]);
  });

  it('a StatefulSet or Job pod names its own controller; a bare pod has no owner', async () => {
    const w = watch(kubeconfigOf(fake));
    fake.putObject('pods', { metadata: { name: 'db-0', namespace: 'ml', uid: 'uid-db-0', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'x', controller: true }] }, spec: { containers: [{ name: 'pg' }] } });
    fake.putObject('pods', { metadata: { name: 'bench-x1', namespace: 'ml', uid: 'uid-job', ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'bench', uid: 'y', controller: true }] }, spec: { containers: [{ name: 'run' }] } });
    fake.putObject('pods', { metadata: { name: 'debug', namespace: 'ml', uid: 'uid-bare' }, spec: { containers: [{ name: 'sh' }] } });
    await until(w, () => synced(w) && w.pod('uid-bare').facts !== null);
    expect(w.pod('uid-db-0').facts?.owner).toEqual({ kind: 'StatefulSet', name: 'db' });
    expect(w.pod('uid-job').facts?.owner).toEqual({ kind: 'Job', name: 'bench' });
    expect(w.pod('uid-bare').facts?.owner).toBeNull();
    for (const name of ['db-0', 'bench-x1', 'debug']) fake.deleteObject('pods', 'ml', name);
  });

  it('while the apiserver is down lookups are null with a reason; after it restarts the watch resumes and catches up (changes made meanwhile)', async () => {
    fake.putObject('pods', { metadata: { name: 'p1', namespace: 'ml', uid: 'uid-p1' }, spec: { nodeName: 'gpu-a', containers: [{ name: 'c' }] }, status: { phase: 'Running' } });
    const w = watch(kubeconfigOf(fake));
    await until(w, () => synced(w) && w.pod('uid-p1').facts !== null);

    await fake.stop();
    await until(w, () => w.pods.state.state === 'down' && w.nodes.state.state === 'down');
    const down = w.pod('uid-p1');
    expect(down.facts).toBeNull();
    // The open watch ends (premature close), then reconnecting is refused: either is the reason, with the time it began, never the address.
    expect(down.reason).toMatch(/^cluster fake: pods: connection failed \((ECONNREFUSED|ERR_STREAM_PREMATURE_CLOSE)\) \(unavailable since \d{4}-\d\d-\d\dT/);
    expect(down.reason).not.toContain('127.0.0.1');
    expect(w.node('gpu-a').facts).toBeNull();
    expect(w.node('gpu-a').reason).toMatch(/^cluster fake: /);

    // Changes while the watch cannot see them.
    fake.deleteObject('pods', 'ml', 'p1');
    fake.putObject('pods', { metadata: { name: 'p2', namespace: 'ml', uid: 'uid-p2' }, spec: { nodeName: 'gpu-a', containers: [{ name: 'c' }] }, status: { phase: 'Running' } });
    const requestsBefore = fake.requests.length;
    await fake.start();
    await until(w, () => synced(w) && w.pod('uid-p2').facts !== null && w.pod('uid-p1').facts === null);
    expect(w.pod('uid-p1').reason).toBe('cluster fake has no pod with uid uid-p1');
    // Resumed from its resourceVersion: the pods were watched again, not listed again.
    const podRequests = fake.requests.slice(requestsBefore).filter((r) => r.path === '/api/v1/pods');
    expect(podRequests.length).toBeGreaterThan(0);
    expect(podRequests.every((r) => new URLSearchParams(r.query).get('watch') === 'true' && Number(new URLSearchParams(r.query).get('resourceVersion')) > 0)).toBe(true);
    fake.deleteObject('pods', 'ml', 'p2');
  });

  it('a watch from a compacted resourceVersion gets 410 Gone: the informer lists again and its facts match the apiserver', async () => {
    fake.putObject('pods', { metadata: { name: 'q1', namespace: 'ml', uid: 'uid-q1' }, spec: { containers: [{ name: 'c' }] } });
    const w = watch(kubeconfigOf(fake));
    await until(w, () => synced(w) && w.pod('uid-q1').facts !== null);
    await fake.stop();
    await until(w, () => w.pods.state.state === 'down');
    fake.deleteObject('pods', 'ml', 'q1');
    fake.putObject('pods', { metadata: { name: 'q2', namespace: 'ml', uid: 'uid-q2' }, spec: { containers: [{ name: 'c' }] } });
    fake.compact();
    const requestsBefore = fake.requests.length;
    const states: string[] = [];
    w.pods.onChange(() => {
      const s = w.pods.state;
      if (states.at(-1) !== `${s.state} ${s.reason}`) states.push(`${s.state} ${s.reason}`);
    });
    await fake.start();
    await until(w, () => synced(w) && w.pod('uid-q2').facts !== null && w.pod('uid-q1').facts === null);
    // While it lists again, what it held is not presented as current.
    expect(states).toContain("connecting pods being listed again (the watch's resourceVersion expired)");
    expect(states.at(-1)).toBe('synced null');
    // A change after the re-list arrives through the watch from the list's resourceVersion, which is not expired: one 410 per collection, no list loop.
    fake.putObject('pods', { metadata: { name: 'q3', namespace: 'ml', uid: 'uid-q3' }, spec: { containers: [{ name: 'c' }] } });
    await until(w, () => w.pod('uid-q3').facts !== null);
    expect(fake.expiredWatches).toBe(3);
    fake.deleteObject('pods', 'ml', 'q3');
    const podRequests = fake.requests.slice(requestsBefore).filter((r) => r.path === '/api/v1/pods');
    // The watch from the old resourceVersion (answered by 410), then a fresh list.
    expect(podRequests.map((r) => (new URLSearchParams(r.query).get('watch') === 'true' ? 'watch' : 'list')).slice(0, 2)).toEqual(['watch', 'list']);
    fake.deleteObject('pods', 'ml', 'q2');
  });

  it('a cluster that never answers: every lookup is null with the connection error as reason, never empty facts', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => resolve(port));
      });
    });
    const file = join(dir, 'kubeconfig-closed');
    writeFileSync(file, fake.kubeconfig().replace(fake.url, `http://127.0.0.1:${closed}`), { mode: 0o600 });
    const w = watch(file);
    expect(w.pod('uid-anything').reason).toBe('cluster fake: pods not listed yet');
    await until(w, () => w.pods.state.state === 'down' && w.nodes.state.state === 'down');
    expect(w.pod('uid-anything')).toEqual({ facts: null, reason: expect.stringMatching(/^cluster fake: pods: connection failed \(ECONNREFUSED\) \(unavailable since /) });
    expect(w.node('gpu-a')).toEqual({ facts: null, reason: expect.stringMatching(/^cluster fake: nodes: connection failed \(ECONNREFUSED\)/) });
    // The whole error, with the address, is for the hub's log only.
    expect(w.pods.state.detail).toContain(`127.0.0.1:${closed}`);
  });

  it('a refused list (RBAC 403) is a reason naming the HTTP status; once allowed, the retry lists and syncs', async () => {
    fake.forbidden.add('nodes');
    const w = watch(kubeconfigOf(fake));
    try {
      await until(w, () => w.nodes.state.state === 'down');
      expect(w.node('gpu-a')).toEqual({ facts: null, reason: expect.stringMatching(/^cluster fake: nodes: HTTP 403 Forbidden \(unavailable since /) });
      expect(w.nodes.state.detail).toBe('HTTP 403 Forbidden: nodes is forbidden: User "fake" cannot list resource "nodes" in API group "" at the cluster scope');
    } finally {
      fake.forbidden.delete('nodes');
    }
    await until(w, () => synced(w));
    expect(w.node('gpu-a').facts?.roles).toEqual(['worker']);
  });

  it('bounded: a cluster with more pods than kubernetes.watch.maxPods holds none and says so', async () => {
    for (let i = 0; i < 3; i++) fake.putObject('pods', { metadata: { name: `many-${i}`, namespace: 'bulk', uid: `uid-many-${i}` }, spec: { containers: [{ name: 'c' }] } });
    const w = watch(kubeconfigOf(fake), { ...OPTS, maxPods: 2 });
    await until(w, () => w.pods.state.state === 'down');
    expect(w.pods.facts.size).toBe(0);
    expect(w.pod('uid-many-0')).toEqual({ facts: null, reason: expect.stringMatching(/^cluster fake: more than 2 pods in the cluster \(kubernetes\.watch\.maxPods\)/) });

    // Under the bound at first, over it through the watch: dropped as well.
    const w2 = watch(kubeconfigOf(fake), { ...OPTS, maxPods: [...fake.objects.keys()].filter((k) => k.startsWith('pods/')).length });
    await until(w2, () => synced(w2));
    fake.putObject('pods', { metadata: { name: 'many-3', namespace: 'bulk', uid: 'uid-many-3' }, spec: { containers: [{ name: 'c' }] } });
    await until(w2, () => w2.pods.state.state === 'down');
    expect(w2.pods.facts.size).toBe(0);
    expect(w2.pod('uid-many-0').reason).toMatch(/more than \d+ pods in the cluster/);
    for (let i = 0; i < 4; i++) fake.deleteObject('pods', 'bulk', `many-${i}`);
  });

  it('fidelity of the fake: the real kubectl 1.29 lists nodes and watches pods (a pod added shows up)', async () => {
    const kubeconfig = kubeconfigOf(fake);
    const cache = mkdtempSync(join(dir, 'kubectl-cache-'));
    const kubectl = (...args: string[]) => execa(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', cache, ...args]);
    const nodes = await kubectl('get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.allocatable.nvidia\\.com/gpu}{"\\n"}{end}');
    expect(nodes.stdout.split('\n').sort()).toEqual(['cp-1 0', 'gpu-a 7']);
    const plain = await kubectl('get', 'nodes');
    expect(plain.stdout.split('\n')[0]).toMatch(/^NAME\s/);
    expect(plain.stdout).toMatch(/^gpu-a\s/m);

    fake.putObject('pods', { metadata: { name: 'w1', namespace: 'kubectl-ns', uid: 'uid-w1' }, spec: { containers: [{ name: 'c' }] } });
    const proc = execa(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', cache, 'get', 'pods', '-n', 'kubectl-ns', '--watch', '-o', 'jsonpath={.metadata.name} {.metadata.uid}{"\\n"}']);
    const lines: string[] = [];
    let wake = () => {};
    proc.stdout!.on('data', (d: Buffer) => {
      lines.push(...d.toString().split('\n').filter(Boolean));
      wake();
    });
    const lineCount = (n: number) =>
      new Promise<void>((resolve) => {
        wake = () => lines.length >= n && resolve();
        wake();
      });
    await lineCount(1);
    fake.putObject('pods', { metadata: { name: 'w2', namespace: 'kubectl-ns', uid: 'uid-w2' }, spec: { containers: [{ name: 'c' }] } });
    await lineCount(2);
    proc.kill();
    await proc.catch(() => undefined);
    expect(lines).toEqual(['w1 uid-w1', 'w2 uid-w2']);
    fake.deleteObject('pods', 'kubectl-ns', 'w1');
    fake.deleteObject('pods', 'kubectl-ns', 'w2');
  });
});
