import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFleet, type TestFleet } from '../../../helpers/fleet.js';
import { REPO } from '../../../helpers/spawn-agent.js';
import { FakeApiServer } from '../../../fakes/kubernetes/apiserver.js';

const H100 = 'h100-80gb-hbm3-590.48.01-load';
/** test/fakes/proc/11345/cgroup: the H100 capture's pid 11345 in a containerd container of a Kubernetes pod. */
const CGROUP = readFileSync(join(REPO, 'test/fakes/proc/11345/cgroup'), 'utf8');
const POD_UID = /pod([0-9a-f_]{36})\.slice/.exec(CGROUP)![1]!.replaceAll('_', '-');
const CONTAINER_ID = /cri-containerd-([0-9a-f]{64})\.scope/.exec(CGROUP)![1]!;

/**
 * The whole path with a real agent: its gpu-processes collector reads the
 * pod uid and container ID from the fake /proc cgroup (it has no pod
 * resolver), the hub's watch on the fake apiserver knows that pod, and the
 * monitoring API and /metrics show it by name and namespace.
 */
describe('end to end with a real agent: a GPU process in a pod cgroup is shown by the pod name the Kubernetes watch gives', () => {
  const fake = new FakeApiServer();
  let fleet: TestFleet;

  beforeAll(async () => {
    await fake.start();
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kcloud-agent-pods-')), 'kubeconfig');
    writeFileSync(kubeconfig, fake.kubeconfig(), { mode: 0o600 });
    fake.putObject('nodes', { metadata: { name: 'gpu-h100', labels: { 'node-role.kubernetes.io/worker': '' } }, status: { capacity: { 'nvidia.com/gpu': '1', pods: '110' }, allocatable: { 'nvidia.com/gpu': '1', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] } });
    const deployment = fake.putObject('deployments', { metadata: { name: 'trainer', namespace: 'ml' }, spec: { replicas: 1 } });
    const rs = fake.putObject('replicasets', { metadata: { name: 'trainer-7c9d8f6b5', namespace: 'ml', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'trainer', uid: deployment.metadata.uid, controller: true }] } });
    fake.putObject('pods', {
      metadata: { name: 'trainer-7c9d8f6b5-x2k4q', namespace: 'ml', uid: POD_UID, labels: { app: 'trainer' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'trainer-7c9d8f6b5', uid: rs.metadata.uid, controller: true }] },
      spec: { nodeName: 'gpu-h100', containers: [{ name: 'pytorch-trainer' }, { name: 'log-shipper' }] },
      status: { phase: 'Running', containerStatuses: [{ name: 'pytorch-trainer', containerID: `containerd://${CONTAINER_ID}` }, { name: 'log-shipper', containerID: `containerd://${'e'.repeat(64)}` }] },
    });
    fleet = await startFleet([{ node: 'gpu-h100', cluster: 'lab', scenario: H100, cgroups: { 11345: CGROUP } }], {
      hub: { kubernetes: { clusters: [{ name: 'lab', kubeconfig }], watch: { retryMin: '20ms', retryMax: '200ms' } } },
    });
  });
  afterAll(async () => {
    await fleet?.stop();
    await fake.stop();
  });

  it('the pod list and detail name the pod, its namespace, Deployment and container, with its attributed GPU power', async () => {
    const pod = async () => ((await fleet.api.json('/api/v1/infrastructure/pods')).data as Record<string, unknown>[]).find((p) => p.pod_uid === POD_UID);
    await vi.waitFor(async () => expect((await pod())?.pod_name).toBe('trainer-7c9d8f6b5-x2k4q'), { timeout: 20_000, interval: 50 });
    const p = (await pod())!;
    expect(p).toMatchObject({ namespace: 'ml', owner: { kind: 'Deployment', name: 'trainer' }, node: 'gpu-h100', cluster: 'lab', status: 'running', kubernetes_reason: null });
    expect(p.power_watts).toBeGreaterThan(0);
    const detail = (await fleet.api.json('/api/v1/infrastructure/pods/ml/trainer-7c9d8f6b5-x2k4q')).data;
    expect(detail.processes).toEqual([expect.objectContaining({ pid: '11345', container: 'pytorch-trainer', container_id: CONTAINER_ID })]);
    expect(detail.containers.map((c: { name: string }) => c.name).sort()).toEqual(['log-shipper', 'pytorch-trainer']);
    expect(detail.labels).toEqual({ app: 'trainer' });
    const workers = (await fleet.api.json('/api/v1/infrastructure/nodes?role=worker')).data.map((n: { node_name: string }) => n.node_name);
    expect(workers).toEqual(['gpu-h100']);
  });

  it('/metrics: the agent\'s process series and its GPU\'s DCGM_FI_DEV_POWER_USAGE carry pod, namespace and container', async () => {
    const text = await (await fleet.api.request('/metrics')).text();
    const proc = text.split('\n').find((l) => l.startsWith('kcloud_gpu_process_power_watts{') && l.includes(`pod_uid="${POD_UID}"`));
    expect(proc).toContain('namespace="ml"');
    expect(proc).toContain('pod="trainer-7c9d8f6b5-x2k4q"');
    expect(proc).toContain('container="pytorch-trainer"');
    const gpuPower = text.split('\n').filter((l) => l.startsWith('DCGM_FI_DEV_POWER_USAGE{') && l.includes('gpu="0"') && l.includes('Hostname="gpu-h100"'));
    expect(gpuPower).toHaveLength(1);
    expect(gpuPower[0]).toContain('pod="trainer-7c9d8f6b5-x2k4q"');
    expect(gpuPower[0]).toContain('namespace="ml"');
  });
});
