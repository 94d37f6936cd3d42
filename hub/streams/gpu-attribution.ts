import type { LatestSample } from '../fleet/latest-values.js';
import { roundWatts } from '../fleet/power.js';

/** The agent's synthetic process holding a GPU's unattributed power (agent/collectors/gpu-processes/attribution.ts). */
const IDLE_PID = 'idle';

/**
 * Where a bucket's watts come from: a Kubernetes pod's processes, processes
 * outside any pod, the GPU's `idle` share, or GPUs whose agent sends no
 * per-process split at all.
 */
export type AttributionKind = 'pod' | 'host' | 'idle' | 'unattributed';

export interface AttributionBucket {
  kind: AttributionKind;
  /** Pod namespace; null for the other kinds. */
  namespace: string | null;
  /** Pod name when grouped by workload; null otherwise. */
  pod: string | null;
  watts: number;
  /** Processes (pids) summed into the bucket; GPUs for `unattributed`. */
  members: number;
}

export type AttributionLevel = 'namespace' | 'workload';

interface Acc {
  kind: AttributionKind;
  namespace: string | null;
  pod: string | null;
  watts: number;
  members: number;
}

/** One GPU of the fleet (node and UUID, else index): a process split belongs to the GPU of the same key. */
export const gpuKey = (labels: Readonly<Record<string, string>>) => `${labels.node ?? ''}\u0000${labels.uuid || labels.gpu || ''}`;

function bucketOf(labels: Readonly<Record<string, string>>, level: AttributionLevel): Omit<Acc, 'watts' | 'members'> {
  if (labels.pid === IDLE_PID) return { kind: 'idle', namespace: null, pod: null };
  if (!labels.pod) return { kind: 'host', namespace: null, pod: null };
  return { kind: 'pod', namespace: labels.namespace ?? '', pod: level === 'workload' ? labels.pod : null };
}

/**
 * Splits the fleet's current GPU power into namespaces or workloads (pods).
 *
 * For each GPU, the fractions come from its latest per-process split
 * (`gpu_process_power_watts`, which includes the `idle` remainder) and the
 * watts from its current board power (`gpu_power_watts`): the two series can
 * come from different readings, so scaling the split to the board power keeps
 * Σ buckets = Σ GPU power exactly. A GPU without any split goes whole to the
 * `unattributed` bucket; split samples of a GPU with no current power are
 * ignored (its power is not part of the fleet's GPU power either).
 */
export function attributeGpuPower(gpuPower: readonly LatestSample[], processPower: readonly LatestSample[], level: AttributionLevel): AttributionBucket[] {
  const splits = new Map<string, LatestSample[]>();
  for (const p of processPower) {
    const key = gpuKey(p.labels);
    const list = splits.get(key);
    if (list) list.push(p);
    else splits.set(key, [p]);
  }
  const buckets = new Map<string, Acc>();
  const add = (b: Omit<Acc, 'watts' | 'members'>, watts: number, members: number) => {
    const key = `${b.kind}\u0000${b.namespace ?? ''}\u0000${b.pod ?? ''}`;
    const acc = buckets.get(key);
    if (acc) {
      acc.watts += watts;
      acc.members += members;
    } else buckets.set(key, { ...b, watts, members });
  };
  for (const gpu of gpuPower) {
    const split = splits.get(gpuKey(gpu.labels)) ?? [];
    const splitSum = split.reduce((s, p) => s + Math.max(0, p.value), 0);
    if (splitSum <= 0) {
      // No split, or one of all zeros: nothing says where the power went.
      add({ kind: split.length ? 'idle' : 'unattributed', namespace: null, pod: null }, gpu.value, split.length ? 0 : 1);
      continue;
    }
    const scale = gpu.value / splitSum;
    for (const p of split) add(bucketOf(p.labels, level), Math.max(0, p.value) * scale, p.labels.pid === IDLE_PID ? 0 : 1);
  }
  return [...buckets.values()]
    .map((b) => ({ ...b, watts: roundWatts(b.watts) }))
    .sort((a, b) => b.watts - a.watts);
}
