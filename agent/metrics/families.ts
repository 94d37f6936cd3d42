import type { MetricDef } from '../../shared/metrics/index.js';
import type { Labels } from '../../shared/schema/message.js';

/** dcgm-exporter's label set, in its order; its Grafana dashboards select on these. */
export const DCGM_LABELS = ['gpu', 'UUID', 'device', 'modelName', 'Hostname'] as const;

/** How one catalogue metric appears on /metrics. */
export interface Family {
  name: string;
  help: string;
  type: MetricDef['type'];
  labelNames: readonly string[];
  /** Exported value of a kcloud value (dcgm-exporter's units differ: MiB, mJ). */
  scale: number;
  /** Exported labels of a sample's labels; `models` maps a GPU UUID to its product name. */
  labels(sample: Labels, models: ReadonlyMap<string, string>): Record<string, string>;
}

/**
 * GPU metrics that dcgm-exporter has go out under its names, units and
 * labels (`DCGM_FI_DEV_POWER_USAGE{gpu, UUID, device, modelName, Hostname}`),
 * so its dashboards work unchanged; every other metric as `kcloud_<name>`
 * with its catalogue labels plus `Hostname`, to join with the GPU series.
 * Counters get Prometheus's `_total` suffix when the catalogue name lacks it
 * (`rapl_energy_joules` -> `kcloud_rapl_energy_joules_total`).
 */
export function familyOf(def: MetricDef, node: string): Family {
  const help = `${def.help} (kcloud ${def.name})`;
  if (def.dcgm) {
    return {
      name: def.dcgm.name,
      help,
      type: def.type,
      labelNames: DCGM_LABELS,
      scale: def.dcgm.scale,
      labels: (l, models) => ({
        gpu: l.gpu ?? '',
        UUID: l.uuid ?? '',
        device: `nvidia${l.gpu ?? ''}`,
        modelName: models.get(l.uuid ?? '') ?? '',
        Hostname: node,
      }),
    };
  }
  const suffix = def.type === 'counter' && !def.name.endsWith('_total') ? '_total' : '';
  return {
    name: `kcloud_${def.name}${suffix}`,
    help,
    type: def.type,
    labelNames: [...def.labels, 'Hostname'],
    scale: 1,
    labels: (l) => ({ ...Object.fromEntries(def.labels.map((k) => [k, l[k] ?? ''])), Hostname: node }),
  };
}
