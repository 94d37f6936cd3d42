import type { MetricDef } from '../../shared/metrics/index.js';
import type { Labels } from '../../shared/schema/message.js';
import type { GpuInfo } from './gpu-info.js';

/**
 * dcgm-exporter's label set, in its order; its Grafana dashboards select on
 * these. `hostname` is the name its next release uses instead of `Hostname`;
 * `GPU_I_ID` / `GPU_I_PROFILE` are set on MIG instance series only.
 */
export const DCGM_LABELS = ['gpu', 'UUID', 'pci_bus_id', 'device', 'modelName', 'Hostname', 'hostname', 'DCGM_FI_DRIVER_VERSION', 'GPU_I_PROFILE', 'GPU_I_ID'] as const;

/** Exposition choices shared by the agent's and the hub's /metrics. */
export interface ExpositionOptions {
  /** Keep dcgm-exporter's old `Hostname` label beside `hostname` (`metrics.legacyHostnameLabel`, default true). */
  legacyHostnameLabel: boolean;
}

export const DEFAULT_EXPOSITION: ExpositionOptions = { legacyHostnameLabel: true };

/** How one catalogue metric appears on /metrics. */
export interface Family {
  name: string;
  help: string;
  type: MetricDef['type'];
  labelNames: readonly string[];
  /** Exported value of a kcloud value (dcgm-exporter's units differ: MiB, mJ). */
  scale: number;
  /** Exported labels of a sample's labels on `node`; `gpus` holds what the inventory knows of each GPU UUID. */
  labels(sample: Labels, node: string, gpus: ReadonlyMap<string, GpuInfo>): Record<string, string>;
}

const NO_GPU_INFO: GpuInfo = { modelName: '', pciBusId: '', driverVersion: '' };

/** `hostname`, and `Hostname` while the legacy label is kept. */
function hostLabels(node: string, opts: ExpositionOptions): Record<string, string> {
  return opts.legacyHostnameLabel ? { Hostname: node, hostname: node } : { hostname: node };
}

/** dcgm-exporter's MIG labels, from the catalogue's `gpu_i` / `profile`; none on a whole GPU's series. */
function migLabels(l: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  if (l.profile) out.GPU_I_PROFILE = l.profile;
  if (l.gpu_i) out.GPU_I_ID = l.gpu_i;
  return out;
}

/**
 * GPU metrics that dcgm-exporter has go out under its names, units and
 * labels (`DCGM_FI_DEV_POWER_USAGE{gpu, UUID, pci_bus_id, device, modelName,
 * Hostname, hostname, DCGM_FI_DRIVER_VERSION}`), so its dashboards work
 * unchanged; every other metric as `kcloud_<name>` with its catalogue labels
 * plus the host labels, to join with the GPU series (MIG families also get
 * `GPU_I_ID` / `GPU_I_PROFILE`). Counters get Prometheus's `_total` suffix
 * when the catalogue name lacks it (`rapl_energy_joules` -> `kcloud_rapl_energy_joules_total`).
 */
export function familyOf(def: MetricDef, opts: ExpositionOptions = DEFAULT_EXPOSITION): Family {
  const help = `${def.help} (kcloud ${def.name})`;
  const hosts = opts.legacyHostnameLabel ? ['Hostname', 'hostname'] : ['hostname'];
  if (def.dcgm) {
    return {
      name: def.dcgm.name,
      help,
      type: def.type,
      labelNames: DCGM_LABELS.filter((l) => l !== 'Hostname' || opts.legacyHostnameLabel),
      scale: def.dcgm.scale,
      labels: (l, node, gpus) => {
        const info = gpus.get(l.uuid ?? '') ?? NO_GPU_INFO;
        return {
          gpu: l.gpu ?? '',
          UUID: l.uuid ?? '',
          pci_bus_id: info.pciBusId,
          device: `nvidia${l.gpu ?? ''}`,
          modelName: info.modelName,
          ...hostLabels(node, opts),
          DCGM_FI_DRIVER_VERSION: info.driverVersion,
          ...migLabels(l),
        };
      },
    };
  }
  const suffix = def.type === 'counter' && !def.name.endsWith('_total') ? '_total' : '';
  const mig = def.labels.includes('gpu_i') ? ['GPU_I_PROFILE', 'GPU_I_ID'] : [];
  return {
    name: `kcloud_${def.name}${suffix}`,
    help,
    type: def.type,
    labelNames: [...def.labels, ...hosts, ...mig],
    scale: 1,
    labels: (l, node) => ({ ...Object.fromEntries(def.labels.map((k) => [k, l[k] ?? ''])), ...hostLabels(node, opts), ...(mig.length > 0 ? migLabels(l) : {}) }),
  };
}
