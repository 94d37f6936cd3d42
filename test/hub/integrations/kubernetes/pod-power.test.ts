import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { KubeCluster } from '../../../../hub/integrations/kubernetes/kube-cluster.js';
import type { Sample } from '../../../../shared/schema/message.js';
import { startApiHub, type ApiHub, type TestNode } from '../../../helpers/api.js';
import { FakeApiServer } from '../../../fakes/kubernetes/apiserver.js';

const UID_TRAINER = '7d3f1a9e-0b2c-4e5f-8a6b-9c0d1e2f3a4b';
const UID_A = '11111111-2222-4333-8444-555555555555';
const UID_B = '66666666-7777-4888-8999-aaaaaaaaaaaa';

/** A gpu_process_* label set as the agent's collector writes it without a pod resolver: uid and container ID from the cgroup, names empty. */
const proc = (gpu: number, pid: string, uid: string, containerId: string) => ({ gpu: String(gpu), uuid: `GPU-g1-${gpu}`, pid, container_id: containerId, pod_uid: uid, namespace: '', pod: '', container: '' });

function node(name: string, role: string | null, gpus: number) {
  return {
    metadata: { name, labels: role ? { [`node-role.kubernetes.io/${role}`]: '' } : {} },
    status: {
      capacity: { cpu: '64', memory: '512Gi', pods: '110', 'nvidia.com/gpu': String(gpus) },
      allocatable: { cpu: '63', memory: '500Gi', pods: '110', 'nvidia.com/gpu': String(gpus) },
      conditions: [{ type: 'Ready', status: 'True' }],
      nodeInfo: { kubeletVersion: 'v1.29.4', containerRuntimeVersion: 'containerd://1.7.13' },
    },
  };
}

/** One exposition line's labels and value, for the first series of `family` whose labels include `where`. */
function series(text: string, family: string, where: Record<string, string>): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== family) continue;
    const labels = Object.fromEntries([...m[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    if (Object.entries(where).every(([k, v]) => labels[k] === v)) out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

describe('end to end: GPU process pod UIDs (agent) -> hub -> pods by name and namespace from the Kubernetes watch, in the monitoring API and /metrics', () => {
  const fake = new FakeApiServer({ runPods: true });
  let hub: ApiHub;
  let gpuNode: TestNode;
  let trainerName = '';
  let trainerContainerId = '';
  const now = Date.now();

  const pods = async (query = '') => (await hub.json(`/api/v1/infrastructure/pods${query}`)).data as Record<string, unknown>[];
  const pod = async (uid: string) => (await pods()).find((p) => p.pod_uid === uid)!;
  const metrics = async () => {
    const res = await hub.request('/metrics');
    expect(res.status).toBe(200);
    return res.text();
  };

  beforeAll(async () => {
    await fake.start();
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-pod-power-'));
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, fake.kubeconfig(), { mode: 0o600 });
    fake.putObject('nodes', node('gpu1', 'worker', 2));
    fake.putObject('nodes', node('cp1', 'control-plane', 0));
    // The Deployment controller makes the trainer pod with the uid the agent reads from the process's cgroup.
    fake.scheduleOn = 'gpu1';
    fake.nextPodUids.push(UID_TRAINER);
    const cluster = new KubeCluster('lab', kubeconfig);
    await cluster.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ml' } });
    await cluster.apply({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'trainer', namespace: 'ml' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'trainer' } }, template: { metadata: { labels: { app: 'trainer' } }, spec: { containers: [{ name: 'pytorch', image: 'pytorch:2' }] } } },
    });
    const trainer = [...fake.objects.values()].find((o) => o.metadata.uid === UID_TRAINER)!;
    trainerName = trainer.metadata.name;
    trainerContainerId = (trainer.status as { containerStatuses: { containerID: string }[] }).containerStatuses[0]!.containerID.replace('containerd://', '');
    // Two bare pods sharing GPU 1 (time-slicing).
    for (const [name, uid] of [['notebook-a', UID_A], ['notebook-b', UID_B]] as const) {
      fake.putObject('pods', { metadata: { name, namespace: 'research', uid, labels: { team: 'vision' } }, spec: { nodeName: 'gpu1', containers: [{ name: 'jupyter' }] }, status: { phase: 'Running' } });
    }

    hub = await startApiHub({ kubernetes: { clusters: [{ name: 'lab', kubeconfig }], watch: { retryMin: '20ms', retryMax: '200ms' } } });
    gpuNode = await hub.addNode('gpu1', 'lab');
    const cp = await hub.addNode('cp1', 'lab');
    const bare = await hub.addNode('bare', 'lab');
    for (const n of [gpuNode, cp, bare]) await hub.publishStatus(n, { agentVersion: '1.0.0', sources: {} });
    const samples: Sample[] = [
      { metric: 'gpu_power_watts', labels: { gpu: '0', uuid: 'GPU-g1-0' }, value: 150 },
      { metric: 'gpu_power_watts', labels: { gpu: '1', uuid: 'GPU-g1-1' }, value: 90 },
      { metric: 'gpu_process_power_watts', labels: proc(0, '11345', UID_TRAINER, trainerContainerId), value: 120.75 },
      { metric: 'gpu_process_energy_joules', labels: proc(0, '11345', UID_TRAINER, trainerContainerId), value: 5000 },
      { metric: 'gpu_process_power_watts', labels: proc(0, 'idle', '', ''), value: 29.25 },
      { metric: 'gpu_process_power_watts', labels: proc(1, '2001', UID_A, 'aaaa'), value: 50 },
      { metric: 'gpu_process_power_watts', labels: proc(1, '2002', UID_B, 'bbbb'), value: 40 },
    ];
    await hub.publishTelemetry(gpuNode, samples, now);
    // The hub lists the cluster at start: wait until the watch has named the pod.
    await vi.waitFor(async () => expect((await pod(UID_TRAINER)).pod_name).toBe(trainerName), { timeout: 20_000, interval: 20 });
  });
  afterAll(async () => {
    await hub?.close();
    await fake.stop();
  });

  it('the pod list names pods by namespace and name with their owner and measured GPU power and energy', async () => {
    expect(await pod(UID_TRAINER)).toMatchObject({
      pod_name: trainerName,
      namespace: 'ml',
      owner: { kind: 'Deployment', name: 'trainer' },
      node: 'gpu1',
      cluster: 'lab',
      power_watts: 120.75,
      energy_joules: 5000,
      kubernetes_reason: null,
    });
    expect(await pod(UID_A)).toMatchObject({ pod_name: 'notebook-a', namespace: 'research', owner: null, power_watts: 50, kubernetes_reason: null });
    expect((await pods('?namespace=research')).map((p) => p.pod_name)).toEqual(['notebook-a', 'notebook-b']);
    const detail = (await hub.json(`/api/v1/infrastructure/pods/ml/${trainerName}`)).data;
    expect(detail.labels).toEqual({ app: 'trainer', 'pod-template-hash': expect.any(String) });
    expect(detail.containers).toEqual([{ name: 'pytorch', container_id: trainerContainerId, image: null, status: 'running', restart_count: null }]);
    expect(detail.processes).toEqual([expect.objectContaining({ pid: '11345', container: 'pytorch', container_id: trainerContainerId, power_watts: 120.75 })]);
  });

  it('nodes carry their Kubernetes role, and role=worker / role=master filter on it', async () => {
    const names = async (q: string) => ((await hub.json(`/api/v1/infrastructure/nodes${q}`)).data as { node_name: string }[]).map((n) => n.node_name);
    expect(await names('?role=worker')).toEqual(['gpu1']);
    expect(await names('?role=master')).toEqual(['cp1']);
    const all = (await hub.json('/api/v1/infrastructure/nodes')).data as Record<string, unknown>[];
    expect(all.find((n) => n.node_name === 'bare')).toMatchObject({ role: null, pods_count: null, kubernetes_reason: 'cluster lab has no node named bare' });
    const detail = (await hub.json('/api/v1/infrastructure/nodes/gpu1')).data;
    expect(detail).toMatchObject({
      role: 'worker',
      pods_count: 3,
      pods_capacity: 110,
      kubernetes_version: 'v1.29.4',
      container_runtime: 'containerd://1.7.13',
      kubernetes_reason: null,
      kubernetes: { ready: true, roles: ['worker'], gpu_capacity: 2, gpu_allocatable: 2, allocatable: expect.objectContaining({ 'nvidia.com/gpu': '2' }) },
    });
  });

  it('the power breakdown by namespace and by workload uses the watched names', async () => {
    const byNs = (await hub.json('/api/v1/monitoring/power/breakdown?breakdown_by=namespace&cluster=lab')).data as { namespace: string | null; power_watts: number; kind: string }[];
    expect(byNs.filter((b) => b.kind !== 'unattributed' && b.kind !== 'idle').map((b) => [b.namespace, b.power_watts]).sort()).toEqual([
      ['ml', 120.75],
      ['research', 90],
    ]);
    const byWorkload = (await hub.json('/api/v1/monitoring/power/breakdown?breakdown_by=workload&cluster=lab')).data as { workload?: string | null; power_watts: number }[];
    expect(byWorkload.find((b) => b.workload === trainerName)?.power_watts).toBe(120.75);
  });

  it('/metrics: GPU process series carry pod, namespace and container; the dcgm-style series of a GPU used by one pod too, of a shared GPU none', async () => {
    const text = await metrics();
    const trainerSeries = series(text, 'kcloud_gpu_process_power_watts', { pod_uid: UID_TRAINER });
    expect(trainerSeries).toEqual([{ labels: expect.objectContaining({ namespace: 'ml', pod: trainerName, container: 'pytorch', cluster: 'lab' }), value: 120.75 }]);
    expect(series(text, 'kcloud_gpu_process_energy_joules_total', { pod_uid: UID_TRAINER })).toEqual([{ labels: expect.objectContaining({ namespace: 'ml', pod: trainerName }), value: 5000 }]);
    expect(series(text, 'kcloud_gpu_process_power_watts', { pod_uid: UID_A })[0]!.labels).toMatchObject({ namespace: 'research', pod: 'notebook-a', container: 'jupyter' });
    expect(series(text, 'DCGM_FI_DEV_POWER_USAGE', { UUID: 'GPU-g1-0' })).toEqual([{ labels: expect.objectContaining({ pod: trainerName, namespace: 'ml', container: 'pytorch' }), value: 150 }]);
    const shared = series(text, 'DCGM_FI_DEV_POWER_USAGE', { UUID: 'GPU-g1-1' });
    expect(shared).toHaveLength(1);
    expect(shared[0]!.labels.pod).toBeUndefined();
    expect(shared[0]!.value).toBe(90);
  });

  it('while the cluster is down the names are null with a reason (never the last ones seen), and come back when it is up again', async () => {
    await fake.stop();
    await vi.waitFor(async () => expect((await pod(UID_TRAINER)).pod_name).toBeNull(), { timeout: 20_000, interval: 20 });
    const down = await pod(UID_TRAINER);
    expect(down).toMatchObject({ namespace: null, owner: null, power_watts: 120.75, kubernetes_reason: expect.stringMatching(/^cluster lab: pods: /) });
    // The node watch and the pod watch fail and reconnect independently: wait for each.
    await vi.waitFor(async () => expect((await hub.json('/api/v1/infrastructure/nodes?role=worker')).data).toEqual([]), { timeout: 20_000, interval: 20 });
    expect((await hub.json('/api/v1/infrastructure/nodes/gpu1')).data).toMatchObject({ role: null, kubernetes: null, kubernetes_reason: expect.stringMatching(/^cluster lab: /) });
    const text = await metrics();
    expect(series(text, 'kcloud_gpu_process_power_watts', { pod_uid: UID_TRAINER })[0]!.labels).toMatchObject({ namespace: '', pod: '' });
    expect(series(text, 'DCGM_FI_DEV_POWER_USAGE', { UUID: 'GPU-g1-0' })[0]!.labels.pod).toBeUndefined();

    await fake.start();
    await vi.waitFor(async () => expect((await pod(UID_TRAINER)).pod_name).toBe(trainerName), { timeout: 20_000, interval: 20 });
    await vi.waitFor(async () => expect((await hub.json('/api/v1/infrastructure/nodes?role=worker')).data.map((n: { node_name: string }) => n.node_name)).toEqual(['gpu1']), { timeout: 20_000, interval: 20 });
  });
});
