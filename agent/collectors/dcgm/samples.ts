import type { Sample } from '../types.js';
import { fieldById } from './fields.js';
import type { DmonRow } from './parse-dmon.js';

/** What labels a `GPU-I <entity id>` row: from `dcgmi discovery -c` and the instance's profile name. */
export interface InstanceLabels {
  gpu: number;
  gpuUuid: string;
  gpuInstanceId: number;
  profile?: string;
}

/**
 * Samples from one dmon iteration. `GPU n` rows give every mapped field;
 * `GPU-I n` rows (DCGM entity ids, mapped through `instances` to their GPU,
 * NVML GPU instance id and profile, as dcgm-exporter's `GPU_I_ID` /
 * `GPU_I_PROFILE`) give only the fields DCGM measures per instance: the
 * others are the parent GPU's values again. A row of an instance not in
 * `instances`, and `GPU-CI` rows, are left out. `N/A` and blank cells give
 * no sample, never 0.
 */
export function rowsToSamples(
  rows: readonly DmonRow[],
  fieldIds: readonly number[],
  uuids: ReadonlyMap<number, string>,
  ts: number,
  instances: ReadonlyMap<number, InstanceLabels> = new Map(),
): Sample[] {
  const out: Sample[] = [];
  for (const row of rows) {
    const instance = row.group === 'GPU-I' ? instances.get(row.id) : undefined;
    let labels: Record<string, string>;
    if (row.group === 'GPU') labels = { gpu: String(row.id), uuid: uuids.get(row.id) ?? '' };
    else if (instance) {
      labels = { gpu: String(instance.gpu), uuid: instance.gpuUuid, gpu_i: String(instance.gpuInstanceId) };
      if (instance.profile) labels.profile = instance.profile;
    } else continue;
    fieldIds.forEach((id, i) => {
      const field = fieldById(id);
      const value = row.cells[i];
      if (!field || typeof value !== 'number' || (instance && !field.perInstance)) return;
      out.push({ metric: field.metric, labels, value: field.convert(value), ts });
    });
  }
  return out;
}
