import type { Sample } from '../types.js';
import { fieldById } from './fields.js';
import type { DmonRow } from './parse-dmon.js';

/**
 * Samples from one dmon iteration. Only `GPU n` rows are published:
 * `GPU-I`/`GPU-CI` ids are DCGM entity ids, not the GPU instance ids
 * nvidia-smi reports, so publishing them under `gpu_i` would mix two
 * numbering schemes (mapping them needs `dcgmi discovery -c`).
 */
export function rowsToSamples(rows: readonly DmonRow[], fieldIds: readonly number[], uuids: ReadonlyMap<number, string>, ts: number): Sample[] {
  const out: Sample[] = [];
  for (const row of rows) {
    if (row.group !== 'GPU') continue;
    const labels = { gpu: String(row.id), uuid: uuids.get(row.id) ?? '' };
    fieldIds.forEach((id, i) => {
      const field = fieldById(id);
      const value = row.cells[i];
      if (field && typeof value === 'number') out.push({ metric: field.metric, labels, value: field.convert(value), ts });
    });
  }
  return out;
}
