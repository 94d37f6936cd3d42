import type { Fleet } from '../fleet/fleet.js';
import type { LatestSample } from '../fleet/latest-values.js';
import { fleetPower, roundWatts, sumKnown, sumPower, type NodePower } from '../fleet/power.js';
import { attributeGpuPower } from './gpu-attribution.js';

/** The seed's five power figures (integrated power, stream snapshots, time-series steps); a part nobody reports is null. */
export interface PowerWatts {
  total_power_watts: number | null;
  gpu_power_watts: number | null;
  cpu_power_watts: number | null;
  memory_power_watts: number | null;
  other_power_watts: number | null;
}

/** The seed's integrated power (GET /monitoring/power `data`, the stream snapshots), plus where each number comes from. */
export interface IntegratedPower extends PowerWatts {
  breakdown: {
    /** No NPU collector exists, so NPU power is unknown (null), not 0. */
    accelerators: { gpus: number | null; npus: null };
    /** nodes: node power outside the GPUs (total - GPU); pods: GPU power attributed to Kubernetes pods (as in the namespace breakdown). */
    infrastructure: { nodes: number | null; pods: number | null };
    /** Sum of the BMCs' DCMI power readings. */
    hardware: { ipmi_total: number | null };
  };
  efficiency: {
    /** Needs facility power, which no collector measures: null until it is configured. */
    pue: null;
    gpu_utilization_percent: number | null;
    cpu_utilization_percent: number | null;
  };
  /** Distinct sources behind each part over the nodes that report it. */
  sources: { gpu: string[]; cpu: string[]; memory: string[]; total: string[] };
  node_count: number;
  /** Nodes with any current power reading. */
  reporting_node_count: number;
}

function mean(samples: readonly LatestSample[]): number | null {
  if (samples.length === 0) return null;
  return Math.round((samples.reduce((s, x) => s + x.value, 0) / samples.length) * 100) / 100;
}

const distinct = (values: (string | null)[]) => [...new Set(values.filter((v): v is string => v !== null))].sort();

/** Integrated power of the fleet (or one cluster) from the in-memory latest values. */
export function integratedPower(fleet: Fleet, opts: { cluster?: string; now?: number } = {}): { data: IntegratedPower; nodes: NodePower[] } {
  const since = fleet.freshSince(opts.now);
  const nodes = fleetPower(fleet.nodes.list({ cluster: opts.cluster }), fleet.latest, since);
  const totals = sumPower(nodes);
  const where = { cluster: opts.cluster };
  const processPower = fleet.latest.select('gpu_process_power_watts', where, since);
  const attributed = attributeGpuPower(fleet.latest.select('gpu_power_watts', where, since), processPower, 'namespace');
  return {
    nodes,
    data: {
      total_power_watts: totals.totalWatts,
      gpu_power_watts: totals.gpuWatts,
      cpu_power_watts: totals.cpuWatts,
      memory_power_watts: totals.memoryWatts,
      other_power_watts: totals.otherWatts,
      breakdown: {
        accelerators: { gpus: totals.gpuWatts, npus: null },
        infrastructure: {
          nodes: sumKnown(nodes.map((n) => (n.totalWatts === null ? null : roundWatts(n.totalWatts - (n.gpuWatts ?? 0))))),
          // Without any split from the agents, what pods draw is unknown (null), not 0.
          pods: processPower.length ? sumKnown(attributed.filter((b) => b.kind === 'pod').map((b) => b.watts)) ?? 0 : null,
        },
        hardware: { ipmi_total: totals.bmcWatts },
      },
      efficiency: {
        pue: null,
        gpu_utilization_percent: mean(fleet.latest.select('gpu_utilization_percent', where, since)),
        cpu_utilization_percent: mean(fleet.latest.select('host_cpu_utilization_percent', where, since)),
      },
      sources: {
        gpu: distinct(nodes.map((n) => n.sources.gpu)),
        cpu: distinct(nodes.map((n) => n.sources.cpu)),
        memory: distinct(nodes.map((n) => n.sources.memory)),
        total: distinct(nodes.map((n) => n.sources.total)),
      },
      node_count: nodes.length,
      reporting_node_count: nodes.filter((n) => n.totalWatts !== null).length,
    },
  };
}
