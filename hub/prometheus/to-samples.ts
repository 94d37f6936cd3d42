import { familyOf } from '../../agent/metrics/families.js';
import { METRICS, type MetricDef } from '../../shared/metrics/index.js';
import type { SampleRow } from '../ingest/types.js';
import type { VectorSample } from './client.js';

interface Exported {
  def: MetricDef;
  scale: number;
}

/** Exported name (`DCGM_FI_DEV_POWER_USAGE`, `kcloud_rapl_power_watts`) -> catalogue metric, from the same mapping /metrics uses. */
const BY_EXPORTED = new Map<string, Exported>(
  METRICS.map((def) => {
    const f = familyOf(def);
    return [f.name, { def, scale: f.scale }];
  }),
);

/** The exported name of a catalogue metric (what to ask Prometheus for). */
export function exportedName(metric: string): string {
  for (const [name, e] of BY_EXPORTED) if (e.def.name === metric) return name;
  throw new Error(`metric ${metric} is not in the catalogue`);
}

/** dcgm-exporter's names of catalogue labels (a MIG instance's series carry GPU_I_ID / GPU_I_PROFILE). */
const DCGM_SPELLING: Record<string, string> = { uuid: 'UUID', gpu_i: 'GPU_I_ID', profile: 'GPU_I_PROFILE' };

/**
 * A series as Prometheus holds it (dcgm-exporter's names and units, or the
 * kcloud_* names of a kcloud /metrics), back to a kcloud sample: the
 * catalogue's name and unit, `gpu`/`uuid` for dcgm-exporter's `gpu`/`UUID` (and `gpu_i`/`profile` for `GPU_I_ID`/`GPU_I_PROFILE`),
 * `node` from `Hostname` (or `hostname`, dcgm-exporter's newer spelling), `cluster` as given. Series without either, or
 * of a metric outside the catalogue, give null.
 */
export function toSampleRow(s: VectorSample, cluster: string): SampleRow | null {
  const exported = BY_EXPORTED.get(s.labels.__name__ ?? '');
  const node = s.labels.Hostname ?? s.labels.hostname;
  if (!exported || !node) return null;
  const { def, scale } = exported;
  const labels: Record<string, string> = { node, cluster };
  for (const k of def.labels) {
    const v = s.labels[(def.dcgm && DCGM_SPELLING[k]) || k];
    if (v !== undefined && v !== '') labels[k] = v;
  }
  return { metric: def.name, labels, ts: s.ts, value: s.value / scale };
}
