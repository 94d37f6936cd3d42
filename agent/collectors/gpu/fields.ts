import { parseBytes, parseNumber } from '../../../shared/units.js';
import type { Sample } from '../types.js';

/** A `--query-gpu` field that becomes a metric, with its conversion to the metric's unit. */
interface MetricField {
  field: string;
  metric: string;
  convert: (raw: string) => number | null;
}

const num = parseNumber;
const mib = (raw: string) => parseBytes(raw, 'MiB');
/** `remapped_rows.failure` answers `Yes` / `No`: 1 / 0, as DCGM's ROW_REMAP_FAILURE; `[N/A]` (no row remapping on this GPU) stays absent. */
const yesNo = (raw: string) => (/^yes$/i.test(raw.trim()) ? 1 : /^no$/i.test(raw.trim()) ? 0 : null);

/** Identity fields: the `gpu` and `uuid` labels. Every driver has them; they are never dropped. */
export const IDENTITY_FIELDS = ['index', 'uuid'] as const;

/**
 * Telemetry fields and their metrics. `power.draw` is the 1 s average on
 * Ampere and newer and instantaneous before (per `--help-query-gpu`);
 * `power.draw.instant` appeared in later drivers. `clocks_event_reasons.*`
 * is the newer name of `clocks_throttle_reasons.*`. The inventory (name,
 * serial, VBIOS, MIG) comes from `-q -x`, not from this stream.
 *
 * Not here because no driver offers a query field for them (the captured
 * `--help-query-gpu` of 590.48.01 to 610.62 has no energy counter and no PCIe
 * throughput; NVML has both, so the DCGM collector supplies
 * gpu_energy_joules; gpu_pcie_*_bytes_per_second comes from DCGM or, here,
 * from `nvidia-smi dmon -s t`: see pcie-fields.ts).
 */
export const METRIC_FIELDS: readonly MetricField[] = [
  { field: 'power.draw', metric: 'gpu_power_watts', convert: num },
  { field: 'power.draw.instant', metric: 'gpu_power_instant_watts', convert: num },
  { field: 'enforced.power.limit', metric: 'gpu_power_limit_watts', convert: num },
  { field: 'utilization.gpu', metric: 'gpu_utilization_percent', convert: num },
  { field: 'utilization.memory', metric: 'gpu_memory_utilization_percent', convert: num },
  { field: 'memory.used', metric: 'gpu_memory_used_bytes', convert: mib },
  { field: 'memory.free', metric: 'gpu_memory_free_bytes', convert: mib },
  { field: 'memory.total', metric: 'gpu_memory_total_bytes', convert: mib },
  { field: 'temperature.gpu', metric: 'gpu_temperature_celsius', convert: num },
  { field: 'temperature.memory', metric: 'gpu_memory_temperature_celsius', convert: num },
  { field: 'clocks.current.sm', metric: 'gpu_sm_clock_mhz', convert: num },
  { field: 'clocks.current.memory', metric: 'gpu_memory_clock_mhz', convert: num },
  { field: 'ecc.errors.corrected.volatile.total', metric: 'gpu_ecc_corrected_errors_total', convert: num },
  { field: 'ecc.errors.uncorrected.volatile.total', metric: 'gpu_ecc_uncorrected_errors_total', convert: num },
  { field: 'clocks_event_reasons.active', metric: 'gpu_throttle_reasons', convert: num },
  { field: 'fan.speed', metric: 'gpu_fan_speed_percent', convert: num },
  { field: 'utilization.encoder', metric: 'gpu_encoder_utilization_percent', convert: num },
  { field: 'utilization.decoder', metric: 'gpu_decoder_utilization_percent', convert: num },
  { field: 'memory.reserved', metric: 'gpu_memory_reserved_bytes', convert: mib },
  // Row remapping exists on A100/H100/H200/L40S-class memory; GeForce and MIG-mode GPUs answer [N/A] and get no series.
  { field: 'remapped_rows.correctable', metric: 'gpu_remapped_rows_correctable_total', convert: num },
  { field: 'remapped_rows.uncorrectable', metric: 'gpu_remapped_rows_uncorrectable_total', convert: num },
  { field: 'remapped_rows.failure', metric: 'gpu_row_remap_failure', convert: yesNo },
  { field: 'clocks.max.sm', metric: 'gpu_sm_clock_max_mhz', convert: num },
  { field: 'clocks.max.memory', metric: 'gpu_memory_clock_max_mhz', convert: num },
];

/** Older drivers name the throttle bitmask differently; tried when the newer name is refused. */
export const FIELD_ALIASES: Record<string, string> = { 'clocks_event_reasons.active': 'clocks_throttle_reasons.active' };

/** The field list to ask for, given the fields this driver accepts (from `--help-query-gpu`). */
export function queryFields(supported: ReadonlySet<string> | null): string[] {
  const wanted = [...IDENTITY_FIELDS, ...METRIC_FIELDS.map((f) => f.field)];
  if (!supported) return wanted;
  return wanted.flatMap((f) => (supported.has(f) ? [f] : FIELD_ALIASES[f] && supported.has(FIELD_ALIASES[f]) ? [FIELD_ALIASES[f]] : []));
}

/** Turns one parsed row into samples; unavailable readings are left out, never sent as 0. */
export function rowToSamples(row: Record<string, string>, ts: number): Sample[] {
  const labels = { gpu: row.index ?? '', uuid: row.uuid ?? '' };
  const out: Sample[] = [];
  for (const f of METRIC_FIELDS) {
    const raw = row[f.field] ?? (FIELD_ALIASES[f.field] ? row[FIELD_ALIASES[f.field]!] : undefined);
    if (raw === undefined) continue;
    const value = f.convert(raw);
    if (value !== null) out.push({ metric: f.metric, labels, value, ts });
  }
  return out;
}

/** Parses the field names out of `nvidia-smi --help-query-gpu` (each documented as `"name"` or `"alias" or "name"`). */
export function parseHelpQueryGpu(text: string): Set<string> {
  return new Set([...text.matchAll(/^"([a-z_][a-zA-Z0-9_.]*)"/gm)].map((m) => m[1]!).concat([...text.matchAll(/ or "([a-z_][a-zA-Z0-9_.]*)"/g)].map((m) => m[1]!)));
}

/** The field a driver refused, from its answer `Field "power.draw.instant" is not a valid field to query.`; null if none. */
export function refusedField(output: string): string | null {
  return /Field "([^"]+)" is not a valid field to query/.exec(output)?.[1] ?? null;
}

/**
 * The field list without a refused field: swapped for its older alias when
 * that was not tried yet, else dropped. Throws for an identity field, since
 * rows without `index` and `uuid` cannot be labelled.
 */
export function withoutRefusedField(fields: readonly string[], refused: string): string[] {
  if ((IDENTITY_FIELDS as readonly string[]).includes(refused)) throw new Error(`nvidia-smi refuses the query field "${refused}"`);
  const alias = FIELD_ALIASES[refused];
  if (alias && !fields.includes(alias)) return fields.map((f) => (f === refused ? alias : f));
  return fields.filter((f) => f !== refused);
}
