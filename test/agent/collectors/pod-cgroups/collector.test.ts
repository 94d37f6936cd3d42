import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPodCgroupsCollector, podCgroupsSpec } from '../../../../agent/collectors/pod-cgroups/index.js';
import { readPodUsage } from '../../../../agent/collectors/pod-cgroups/source.js';
import { COLLECTORS } from '../../../../agent/collectors/registry.js';
import { loadAgentConfig } from '../../../../agent/config.js';
import { LatestValues } from '../../../../agent/latest-values.js';
import { ConfigError } from '../../../../shared/config/load.js';
import { recordingSink } from '../../../helpers/collector-sink.js';
import { memoryLogger } from '../../../helpers/logger.js';
import { waitFor } from '../../../helpers/spawn-agent.js';
import { fakeCgroupRoot, podPath, setUsage, type FakePod } from './trees.js';

const A = '0a1b2c3d-0000-4000-8000-00000000000a';
const B = '0a1b2c3d-0000-4000-8000-00000000000b';
const C = '0a1b2c3d-0000-4000-8000-00000000000c';
const PODS: FakePod[] = [
  { uid: B, qos: 'burstable', usageUsec: 2_500_000, memoryBytes: 200 * 1024 * 1024 },
  { uid: A, qos: 'guaranteed', usageUsec: 12_000_000, memoryBytes: 1024 * 1024 * 1024 },
  { uid: C, qos: 'besteffort', usageUsec: 0, memoryBytes: 4096 },
];

const configFor = (root: string, env: Record<string, string> = {}) => loadAgentConfig(undefined, { KCLOUD_COLLECTORS_POD_CGROUPS_ROOT: root, ...env });

function spec(root: string, env: Record<string, string> = {}) {
  const logger = memoryLogger();
  return { spec: podCgroupsSpec(configFor(root, env), { log: logger.log, latest: new LatestValues() }), logger };
}

/** The samples every pod of PODS gives at `ts`: CPU µs as seconds, memory bytes; ordered by UID. */
const expected = (pods: readonly FakePod[], ts: number) =>
  [...pods]
    .sort((x, y) => x.uid.localeCompare(y.uid))
    .flatMap((p) => [
      { metric: 'pod_cpu_usage_seconds_total', labels: { pod_uid: p.uid, qos: p.qos }, value: p.usageUsec / 1e6, ts },
      { metric: 'pod_memory_usage_bytes', labels: { pod_uid: p.uid, qos: p.qos }, value: p.memoryBytes, ts },
    ]);

describe('pod-cgroups collector on fake cgroup v2 trees', () => {
  for (const driver of ['systemd', 'cgroupfs'] as const) {
    it(`${driver} driver: every pod of every QoS level (Guaranteed right under kubepods), its CPU time in seconds and memory.current; containers, kubepods' own files and other cgroups left out`, async () => {
      const root = fakeCgroupRoot(driver, PODS);
      const { spec: s } = spec(root);
      expect(await s.detect()).toEqual({ available: true, reason: `${join(root, driver === 'systemd' ? 'kubepods.slice' : 'kubepods')} (${driver} cgroup driver, cgroup v2)` });
      expect(await s.collect(1_000)).toEqual(expected(PODS, 1_000));
      // The counter grows between runs; memory follows memory.current.
      setUsage(root, driver, { ...PODS[1]!, usageUsec: 14_000_000, memoryBytes: 512 });
      const again = await s.collect(11_000);
      expect(again.filter((x) => x.labels!.pod_uid === A)).toEqual([
        { metric: 'pod_cpu_usage_seconds_total', labels: { pod_uid: A, qos: 'guaranteed' }, value: 14, ts: 11_000 },
        { metric: 'pod_memory_usage_bytes', labels: { pod_uid: A, qos: 'guaranteed' }, value: 512, ts: 11_000 },
      ]);
      // A pod deleted by the kubelet is gone from the next run.
      rmSync(join(root, podPath(driver, PODS[0]!)), { recursive: true });
      expect((await s.collect(21_000)).map((x) => x.labels!.pod_uid)).toEqual([A, A, C, C]);
    });
  }

  it('a root without kubepods is no error: detect says why (auto stays off), and a started collector publishes nothing and says so once in the log', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kcloud-cgroup-none-'));
    mkdirSync(join(root, 'system.slice'));
    const { spec: s, logger } = spec(root);
    expect(await s.detect()).toEqual({ available: false, reason: `no kubepods.slice or kubepods under ${root}: no kubelet pods on this host` });
    expect(await s.collect(1)).toEqual([]);
    expect(await s.collect(2)).toEqual([]);
    const said = logger.lines().filter((l) => String(l.msg).startsWith('pod cgroups: no kubepods'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ level: 30, root });
  });

  for (const driver of ['systemd', 'cgroupfs'] as const) {
    it(`cgroup v1, ${driver} driver: the same pods from cpuacct.usage (ns, as µs) in cpu,cpuacct and memory.usage_in_bytes in memory`, async () => {
      const root = fakeCgroupRoot(driver, PODS, 1);
      const { spec: s } = spec(root);
      const kube = driver === 'systemd' ? 'kubepods.slice' : 'kubepods';
      expect(await s.detect()).toEqual({ available: true, reason: `${join(root, 'cpu,cpuacct', kube)} and ${join(root, 'memory', kube)} (${driver} cgroup driver, cgroup v1)` });
      expect(await s.collect(1_000)).toEqual(expected(PODS, 1_000));
    });
  }

  it('cgroup v1 with cpuacct but no memory hierarchy is not read, with the reason', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kcloud-cgroup-v1-'));
    mkdirSync(join(root, 'cpu,cpuacct', 'kubepods', 'burstable', `pod${A}`), { recursive: true });
    const { spec: s } = spec(root);
    expect(await s.detect()).toEqual({ available: false, reason: `cgroup v1 without the memory hierarchy: ${join(root, 'cpu,cpuacct', 'kubepods')} but no ${join(root, 'memory', 'kubepods')}` });
    expect(await s.collect(1)).toEqual([]);
  });

  it('bounded: at most collectors.podCgroups.maxPods pods per run (by UID), the rest left out with one warning', async () => {
    const root = fakeCgroupRoot('systemd', PODS);
    const { spec: s, logger } = spec(root, { KCLOUD_COLLECTORS_POD_CGROUPS_MAX_PODS: '2' });
    expect(await s.collect(5)).toEqual(expected(PODS.filter((p) => p.uid !== C), 5));
    await s.collect(6);
    const warned = logger.lines().filter((l) => l.msg === 'pod cgroups: more pods than collectors.podCgroups.maxPods; the rest are left out');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toMatchObject({ maxPods: 2, left: 1 });
  });

  it('a pod whose file is garbled is skipped with a warning naming the file, the others still published; when no pod reads, the run fails', async () => {
    const root = fakeCgroupRoot('cgroupfs', PODS);
    writeFileSync(join(root, podPath('cgroupfs', PODS[0]!), 'memory.current'), 'garbage\n');
    const { spec: s, logger } = spec(root);
    expect((await s.collect(7)).map((x) => x.labels!.pod_uid)).toEqual([A, A, C, C]);
    expect(logger.lines().find((l) => l.msg === 'pod cgroup unreadable; skipped')?.err).toMatch(new RegExp(`pod${B}: memory.current: expected an unsigned integer`));
    for (const p of PODS) writeFileSync(join(root, podPath('cgroupfs', p), 'cpu.stat'), 'user_usec 1\n');
    await expect(s.collect(8)).rejects.toThrow(/^no pod cgroup readable: .*cpu.stat: no usage_usec line/);
  });

  it('a pod removed between listing and reading is skipped (null), not an error', async () => {
    const root = fakeCgroupRoot('systemd', []);
    const kube = { found: true as const, driver: 'systemd' as const, version: 2 as const, cpuDir: join(root, 'kubepods.slice'), memoryDir: join(root, 'kubepods.slice') };
    expect(await readPodUsage(kube, { uid: A, qos: 'guaranteed', rel: `kubepods-pod${A.replaceAll('-', '_')}.slice` })).toBeNull();
  });

  it('config: off unless kubepods exist (auto), YAML keys with env overrides, refusals naming the key; registered as pod-cgroups', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-cgroup-cfg-'));
    const file = join(dir, 'agent.yaml');
    expect(loadAgentConfig(undefined, {}).collectors.podCgroups).toEqual({ enabled: 'auto', interval: '10s', root: '/sys/fs/cgroup', maxPods: 500 });
    writeFileSync(file, 'collectors:\n  podCgroups: { enabled: true, interval: 30s, root: /host/sys/fs/cgroup, maxPods: 200 }\n');
    expect(loadAgentConfig(file, { KCLOUD_COLLECTORS_POD_CGROUPS_MAX_PODS: '50' }).collectors.podCgroups).toEqual({ enabled: true, interval: '30s', root: '/host/sys/fs/cgroup', maxPods: 50 });
    expect(() => loadAgentConfig(undefined, { KCLOUD_COLLECTORS_POD_CGROUPS_MAX_PODS: '0' })).toThrow(ConfigError);
    expect(() => loadAgentConfig(undefined, { KCLOUD_COLLECTORS_POD_CGROUPS_MAX_PODS: '0' })).toThrow(/collectors\.podCgroups\.maxPods/);
    const entry = COLLECTORS.find((c) => c.name === 'pod-cgroups')!;
    expect(entry.enabled(loadAgentConfig(undefined, {}))).toBe('auto');
  });

  it('started on its timer, delivers the pods to the sink', async () => {
    const root = fakeCgroupRoot('cgroupfs', PODS);
    const collector = createPodCgroupsCollector(configFor(root, { KCLOUD_COLLECTORS_POD_CGROUPS_INTERVAL: '50ms' }), { log: memoryLogger().log, latest: new LatestValues() });
    const { sink, batches, errors } = recordingSink();
    await collector.start(sink);
    try {
      await waitFor(() => batches.length >= 2, 10_000, 'two runs');
    } finally {
      await collector.stop();
    }
    expect(errors).toEqual([]);
    expect(batches[1]!.map(({ ts: _ts, ...rest }) => rest)).toEqual(expected(PODS, 0).map(({ ts: _ts, ...rest }) => rest));
  });
});
