import { parseDuration } from '../../../shared/duration.js';
import type { AgentConfig } from '../../config.js';
import { pollingCollector, type PollingSpec } from '../polling.js';
import type { CollectorDeps } from '../registry.js';
import type { Collector, Sample } from '../types.js';
import { findKubepods, listPodCgroups, readPodUsage, type PodUsage } from './source.js';

/** The samples of one run: CPU time as a counter in seconds (the hub takes its rate), memory as a gauge. */
export function podSamples(pods: readonly PodUsage[], ts: number): Sample[] {
  return pods.flatMap((p) => {
    const labels = { pod_uid: p.uid, qos: p.qos };
    return [
      { metric: 'pod_cpu_usage_seconds_total', labels, value: p.cpuUsageUsec / 1e6, ts },
      { metric: 'pod_memory_usage_bytes', labels, value: p.memoryBytes, ts },
    ];
  });
}

/**
 * Per-pod CPU and memory from the kubelet's cgroup tree (v2, or v1's cpuacct
 * and memory hierarchies) under `collectors.podCgroups.root`, every pod of the node (not only GPU ones),
 * at most `maxPods`. A root without kubepods is a host without a kubelet:
 * said once in the log, no samples, no error.
 */
export function podCgroupsSpec(config: AgentConfig, deps: CollectorDeps): PollingSpec {
  const { root, maxPods } = config.collectors.podCgroups;
  const said = new Set<string>();
  const once = (key: string, say: () => void) => {
    if (!said.has(key)) say();
    said.add(key);
  };
  return {
    name: 'pod-cgroups',
    intervalMs: parseDuration(config.collectors.podCgroups.interval),
    async detect() {
      const kube = await findKubepods(root);
      if (!kube.found) return { available: false, reason: kube.reason };
      const where = kube.version === 2 ? kube.cpuDir : `${kube.cpuDir} and ${kube.memoryDir}`;
      return { available: true, reason: `${where} (${kube.driver} cgroup driver, cgroup v${kube.version})` };
    },
    async collect(now) {
      const kube = await findKubepods(root);
      if (!kube.found) {
        once(`none:${kube.reason}`, () => deps.log.info({ root }, `pod cgroups: ${kube.reason}; nothing to collect`));
        return [];
      }
      const { pods, left } = await listPodCgroups(kube, maxPods);
      if (left > 0) once(`left:${left}`, () => deps.log.warn({ maxPods, left }, 'pod cgroups: more pods than collectors.podCgroups.maxPods; the rest are left out'));
      const usage: PodUsage[] = [];
      const failed: string[] = [];
      for (const pod of pods) {
        try {
          const u = await readPodUsage(kube, pod);
          if (u) usage.push(u);
        } catch (err) {
          failed.push((err as Error).message);
        }
      }
      if (usage.length === 0 && failed.length > 0) throw new Error(`no pod cgroup readable: ${failed.slice(0, 3).join('; ')}`);
      for (const f of failed) once(`failed:${f}`, () => deps.log.warn({ err: f }, 'pod cgroup unreadable; skipped'));
      return podSamples(usage, now);
    },
  };
}

/** CPU time and memory of every kubelet pod on the node, from its cgroup. */
export function createPodCgroupsCollector(config: AgentConfig, deps: CollectorDeps): Collector {
  return pollingCollector(podCgroupsSpec(config, deps));
}
