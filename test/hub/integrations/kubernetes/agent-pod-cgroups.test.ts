import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFleet, type TestFleet } from '../../../helpers/fleet.js';
import { FakeApiServer } from '../../../fakes/kubernetes/apiserver.js';
import { fakeCgroupRoot, type FakePod } from '../../../agent/collectors/pod-cgroups/trees.js';

const H100 = 'h100-80gb-hbm3-590.48.01-load';
const MiB = 1024 ** 2;
const TENANT_POD: FakePod = { uid: '5f0c1d2e-3a4b-4c5d-8e9f-00000000a001', qos: 'burstable', usageUsec: 7_250_000, memoryBytes: 300 * MiB };
const GUARANTEED_POD: FakePod = { uid: '5f0c1d2e-3a4b-4c5d-8e9f-00000000a002', qos: 'guaranteed', usageUsec: 1_000_000, memoryBytes: 700 * MiB };
const OTHER_POD: FakePod = { uid: '5f0c1d2e-3a4b-4c5d-8e9f-00000000b001', qos: 'besteffort', usageUsec: 99_000_000, memoryBytes: 4096 * MiB };

/**
 * The whole path with a real agent process: its pod-cgroups collector reads
 * a fake cgroup v2 tree (systemd driver) through KCLOUD_COLLECTORS_POD_CGROUPS_ROOT,
 * the hub stores the series, its pod watch on the fake apiserver places the
 * pods, and /metrics and the ECP monitoring route show them.
 */
describe("end to end with a real agent: per-pod CPU and memory from the node's pod cgroups, shown by pod name and counted for the tenant", () => {
  const fake = new FakeApiServer();
  let fleet: TestFleet;
  const headers = { 'content-type': 'application/json', 'x-demo-mode': 'false' };

  beforeAll(async () => {
    await fake.start();
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kcloud-agent-cgroups-')), 'kubeconfig');
    writeFileSync(kubeconfig, fake.kubeconfig(), { mode: 0o600 });
    const allocatable = { cpu: '32', memory: '128Gi', 'nvidia.com/gpu': '4', pods: '110' };
    fake.putObject('nodes', { metadata: { name: 'gpu-h100' }, status: { capacity: allocatable, allocatable, conditions: [{ type: 'Ready', status: 'True' }] } });
    const root = fakeCgroupRoot('systemd', [TENANT_POD, GUARANTEED_POD, OTHER_POD]);
    fleet = await startFleet([{ node: 'gpu-h100', cluster: 'lab', scenario: H100, env: { KCLOUD_COLLECTORS_POD_CGROUPS_ROOT: root, KCLOUD_COLLECTORS_POD_CGROUPS_INTERVAL: '500ms' } }], {
      hub: { kubernetes: { clusters: [{ name: 'lab', kubeconfig }], watch: { retryMin: '20ms', retryMax: '200ms' }, stepInterval: '20ms' }, ecp: { cluster: 'lab', demoStepInterval: '1h' } },
    });
    const created = await fleet.api.request('/api/v1/tenants', { method: 'POST', headers, body: JSON.stringify({ tenant_id: 'asr', name: 'asr', service_requirements: { stt: 5 } }) });
    expect(created.status).toBe(201);
    for (const [pod, namespace, name] of [[TENANT_POD, 'ecp-ai-asr', 'stt-0'], [GUARANTEED_POD, 'ecp-ai-asr', 'stt-1'], [OTHER_POD, 'batch', 'crunch']] as const) {
      fake.putObject('pods', { metadata: { name, namespace, uid: pod.uid }, spec: { nodeName: 'gpu-h100', containers: [{ name: 'main' }] }, status: { phase: 'Running' } });
    }
  });
  afterAll(async () => {
    await fleet?.stop();
    await fake.stop();
  });

  it('/metrics: kcloud_pod_memory_usage_bytes and kcloud_pod_cpu_usage_seconds_total as the agent read them, with the watched namespace and pod', async () => {
    const line = async (family: string, uid: string) => (await (await fleet.api.request('/metrics')).text()).split('\n').find((l) => l.startsWith(`${family}{`) && l.includes(`pod_uid="${uid}"`));
    await vi.waitFor(async () => expect(await line('kcloud_pod_memory_usage_bytes', TENANT_POD.uid)).toContain('pod="stt-0"'), { timeout: 20_000, interval: 100 });
    const mem = (await line('kcloud_pod_memory_usage_bytes', TENANT_POD.uid))!;
    expect(mem).toContain('namespace="ecp-ai-asr"');
    expect(mem).toContain('qos="burstable"');
    expect(Number(mem.split(' ').at(-1))).toBe(300 * MiB);
    const cpu = (await line('kcloud_pod_cpu_usage_seconds_total', GUARANTEED_POD.uid))!;
    expect(cpu).toContain('qos="guaranteed"');
    expect(cpu).toContain('pod="stt-1"');
    expect(Number(cpu.split(' ').at(-1))).toBe(1);
  });

  it("the tenant's monitoring: memory_bytes is its two pods' memory.current summed (the other namespace's pod not counted), measured", async () => {
    let got: { metrics: Record<string, { value: number }[]>; sources: Record<string, string | null> } | null = null;
    await vi.waitFor(
      async () => {
        got = await fleet.api.json('/api/v1/tenants/asr/monitoring?metric_type=memory&hours=1&interval=1m', { headers });
        // Once the watch has placed both pods, every step is their sum (300 + 700 MiB).
        expect(got!.metrics.memory_bytes!.length).toBeGreaterThan(0);
        for (const p of got!.metrics.memory_bytes!) expect(p.value).toBe(1000 * MiB);
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(got!.sources.memory_bytes).toBe('measured');
    // The counters do not move in the fake tree: the measured CPU is exactly 0 cores, not absent. A rate needs two readings of a pod: wait for the second.
    await vi.waitFor(
      async () => {
        const cpu = await fleet.api.json('/api/v1/tenants/asr/monitoring?metric_type=cpu&hours=1&interval=1m', { headers });
        expect(cpu.sources.cpu_cores).toBe('measured');
        expect(cpu.metrics.cpu_cores.length).toBeGreaterThan(0);
        for (const p of cpu.metrics.cpu_cores) expect(p.value).toBe(0);
      },
      { timeout: 20_000, interval: 100 },
    );
  });
});
