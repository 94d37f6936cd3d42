import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Counter, Gauge, Registry } from 'prom-client';
import { DEFAULT_EXPOSITION, familyOf, type ExpositionOptions } from '../../agent/metrics/families.js';
import type { GpuInfo } from '../../agent/metrics/gpu-info.js';
import { METRICS, type MetricDef } from '../../shared/metrics/index.js';
import type { LatestSample } from '../fleet/latest-values.js';
import type { PodLabels } from '../integrations/kubernetes/pod-labels.js';

/**
 * Series rendered between two yields to the event loop. prom-client renders
 * 10 000 series of one family in ~50 ms on this machine (bench/metrics-render.ts);
 * 500 keeps each slice to a few ms so MQTT PUBACKs and API answers are not held up.
 */
export const CHUNK_SERIES = 500;

export interface FleetExposition {
  /** Newest samples of one catalogue metric (labels include `node` and `cluster`). */
  samples(metric: string): readonly LatestSample[];
  /** GPU UUID -> model, PCI bus id and driver version (dcgm-exporter's `modelName`, `pci_bus_id`, `DCGM_FI_DRIVER_VERSION`). */
  gpus: ReadonlyMap<string, GpuInfo>;
  /**
   * GPU UUID -> the pod using it: its dcgm-style series get dcgm-exporter's `pod`, `namespace` and
   * `container` labels (a GPU in no pod's use has none of them, as with dcgm-exporter).
   */
  gpuPods?: ReadonlyMap<string, PodLabels>;
  /** `metrics.legacyHostnameLabel`; default keeps `Hostname` beside `hostname`. */
  options?: ExpositionOptions;
}

const POD_LABELS = ['pod', 'namespace', 'container'] as const;

/**
 * One chunk of a family in the text format. prom-client writes a family as
 * `# HELP`, `# TYPE`, then its series; a family split in chunks keeps the
 * header of its first chunk only, so the chunks concatenate into one family.
 */
async function renderChunk(def: MetricDef, series: readonly LatestSample[], source: FleetExposition, first: boolean): Promise<string> {
  const f = familyOf(def, source.options ?? DEFAULT_EXPOSITION);
  const registry = new Registry();
  const podLabels = def.dcgm && source.gpuPods?.size ? source.gpuPods : null;
  const opts = { name: f.name, help: f.help, labelNames: [...f.labelNames, 'cluster', ...(podLabels ? POD_LABELS : [])], registers: [registry] };
  // Each sample carries its node and cluster.
  const labels = (s: LatestSample) => ({ ...f.labels(s.labels, s.labels.node ?? '', source.gpus), cluster: s.labels.cluster ?? '', ...podLabels?.get(s.labels.uuid ?? '') });
  if (f.type === 'counter') {
    const c = new Counter(opts);
    // A fresh registry per render: inc() from zero sets the counter's absolute value.
    for (const s of series) c.inc(labels(s), Math.max(0, s.value * f.scale));
  } else {
    const g = new Gauge(opts);
    for (const s of series) g.set(labels(s), s.value * f.scale);
  }
  const text = await registry.metrics();
  return first ? text : text.split('\n').slice(2).join('\n');
}

/**
 * The fleet's newest values in the Prometheus text format, under the names
 * and labels of an agent's node /metrics (agent/metrics/families.ts:
 * dcgm-exporter names for GPU metrics, `kcloud_*` for the rest) plus
 * `cluster`. Renders CHUNK_SERIES series at a time and yields to the event
 * loop in between, so a large fleet does not stall the hub.
 */
export async function renderFleet(source: FleetExposition): Promise<string> {
  const parts: string[] = [];
  for (const def of METRICS) {
    const series = source.samples(def.name);
    for (let i = 0; i < series.length; i += CHUNK_SERIES) {
      parts.push(await renderChunk(def, series.slice(i, i + CHUNK_SERIES), source, i === 0));
      await yieldToLoop();
    }
  }
  return parts.join('');
}
