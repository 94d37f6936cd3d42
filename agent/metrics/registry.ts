import { Counter, Gauge, Registry } from 'prom-client';
import { METRICS, type MetricDef } from '../../shared/metrics/index.js';
import type { LatestSample, LatestValues } from '../latest-values.js';

export interface MetricsDeps {
  latest: LatestValues;
  inventory: () => Record<string, unknown>;
  node: string;
  cluster: string;
}

/** Samples older than this are not exported: a vanished GPU or process must not look alive. */
const STALE_MS = 5 * 60_000;
const GPU_LABELS = ['gpu', 'UUID', 'device', 'modelName', 'Hostname'] as const;

interface Exported {
  name: string;
  labelNames: readonly string[];
  labels: (s: LatestSample, models: Map<string, string>) => Record<string, string>;
  scale: number;
}

function modelNames(inventory: Record<string, unknown>): Map<string, string> {
  const gpus = Array.isArray(inventory.gpus) ? (inventory.gpus as { uuid?: string; name?: string }[]) : [];
  return new Map(gpus.filter((g) => g.uuid && g.name).map((g) => [g.uuid!, g.name!]));
}

/**
 * How a catalogue metric appears on /metrics: GPU metrics under
 * dcgm-exporter's names, units and labels (so its Grafana dashboards work
 * unchanged), everything else as `kcloud_<name>` with its own labels.
 */
function exportedAs(def: MetricDef, node: string): Exported {
  if (def.dcgm) {
    return {
      name: def.dcgm.name,
      labelNames: GPU_LABELS,
      scale: def.dcgm.scale,
      labels: (s, models) => ({
        gpu: s.labels.gpu ?? '',
        UUID: s.labels.uuid ?? '',
        device: `nvidia${s.labels.gpu ?? ''}`,
        modelName: models.get(s.labels.uuid ?? '') ?? '',
        Hostname: node,
      }),
    };
  }
  return {
    name: `kcloud_${def.name}`,
    labelNames: [...def.labels, 'Hostname'],
    scale: 1,
    labels: (s) => ({ ...Object.fromEntries(def.labels.map((l) => [l, s.labels[l] ?? ''])), Hostname: node }),
  };
}

/** A prom-client registry whose values are read from the agent's latest samples at scrape time. */
export function buildRegistry(deps: MetricsDeps): Registry {
  const registry = new Registry();
  for (const def of METRICS) {
    const ex = exportedAs(def, deps.node);
    const collect = function (this: Gauge | Counter) {
      this.reset();
      const fresh = Date.now() - STALE_MS;
      const models = def.dcgm ? modelNames(deps.inventory()) : new Map<string, string>();
      for (const s of deps.latest.ofMetric(def.name)) {
        if (s.ts < fresh) continue;
        const value = s.value * ex.scale;
        if (this instanceof Counter) this.inc(ex.labels(s, models), Math.max(0, value));
        else this.set(ex.labels(s, models), value);
      }
    };
    const help = `${def.help} (kcloud ${def.name})`;
    if (def.type === 'counter') new Counter({ name: ex.name, help, labelNames: ex.labelNames, registers: [registry], collect });
    else new Gauge({ name: ex.name, help, labelNames: ex.labelNames, registers: [registry], collect });
  }
  new Gauge({
    name: 'kcloud_agent_info',
    help: 'Agent identity (always 1)',
    labelNames: ['Hostname', 'cluster'],
    registers: [registry],
    collect() {
      this.set({ Hostname: deps.node, cluster: deps.cluster }, 1);
    },
  });
  return registry;
}
