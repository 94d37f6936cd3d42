/**
 * DCGM field ids -> kcloud metrics (the same names the nvidia-smi collector
 * publishes). Ids, macro names, dmon short names and units are from
 * NVIDIA/DCGM 4.6.0 `dcgmlib/dcgm_fields.h` and `dcgmlib/src/dcgm_fields.cpp`.
 * DCGM 4.6 renamed many macros (`DCGM_FI_DEV_POWER_USAGE` ->
 * `DCGM_FI_DEV_BOARD_POWER_WATTS`) but kept ids and `#define` aliases, and
 * dcgm-exporter's CSVs still use the old names: `names` holds both, current first.
 */
export interface DcgmField {
  id: number;
  metric: string;
  names: readonly string[];
  /** Column title in `dcgmi dmon` output. */
  shortName: string;
  /** From DCGM's unit to the metric's (mJ -> J, MiB -> bytes). */
  convert: (value: number) => number;
  /**
   * Read from `GPU-I` rows too: DCGM measures it per MIG GPU instance (its
   * `entityLevel` in dcgm_fields.cpp is GPU_I or GPU_CI) and the metric means
   * the same per instance. A GPU-level field on a `GPU-I` row is the parent
   * GPU's value (DcgmCacheManager translates the watch to the GPU). Framebuffer
   * and XID are instance-level in DCGM too but not read per instance here
   * (per-instance memory is `gpu_mig_memory_*`, which only the nvidia-smi path gives).
   */
  perInstance?: true;
}

const same = (v: number) => v;
const mib = (v: number) => v * 1024 * 1024;
const milli = (v: number) => v / 1000;

// Not mapped although dcgm-exporter switches them on: FB_RESERVED (253), the row-remap fields (393 to 395) and
// NVLINK_BANDWIDTH_TOTAL (449). Their dmon column titles could not be checked against DCGM's dcgm_fields.cpp here;
// the nvidia-smi collector gives FB_RESERVED and row remapping (`memory.reserved`, `remapped_rows.*`).
export const DCGM_FIELDS: readonly DcgmField[] = [
  { id: 155, metric: 'gpu_power_watts', names: ['DCGM_FI_DEV_BOARD_POWER_WATTS', 'DCGM_FI_DEV_POWER_USAGE'], shortName: 'POWER', convert: same },
  { id: 156, metric: 'gpu_energy_joules', names: ['DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION'], shortName: 'TOTEC', convert: milli },
  { id: 157, metric: 'gpu_power_instant_watts', names: ['DCGM_FI_DEV_BOARD_POWER_RAW_WATTS', 'DCGM_FI_DEV_POWER_USAGE_INSTANT'], shortName: 'POWINST', convert: same },
  // The enforced limit, like nvidia-smi's `enforced.power.limit` (160 is the requested one).
  { id: 164, metric: 'gpu_power_limit_watts', names: ['DCGM_FI_DEV_BOARD_POWER_LIMIT_ENFORCED_WATTS', 'DCGM_FI_DEV_ENFORCED_POWER_LIMIT'], shortName: 'EPLMT', convert: same },
  { id: 150, metric: 'gpu_temperature_celsius', names: ['DCGM_FI_DEV_GPU_TEMP_CELSIUS', 'DCGM_FI_DEV_GPU_TEMP'], shortName: 'TMPTR', convert: same },
  { id: 140, metric: 'gpu_memory_temperature_celsius', names: ['DCGM_FI_DEV_MEMORY_TEMP_CELSIUS', 'DCGM_FI_DEV_MEMORY_TEMP'], shortName: 'MMTMP', convert: same },
  { id: 203, metric: 'gpu_utilization_percent', names: ['DCGM_FI_DEV_GPU_UTIL_RATIO', 'DCGM_FI_DEV_GPU_UTIL'], shortName: 'GPUTL', convert: same },
  { id: 204, metric: 'gpu_memory_utilization_percent', names: ['DCGM_FI_DEV_MEM_COPY_UTIL'], shortName: 'MCUTL', convert: same },
  { id: 252, metric: 'gpu_memory_used_bytes', names: ['DCGM_FI_DEV_FB_USED'], shortName: 'FBUSD', convert: mib },
  { id: 251, metric: 'gpu_memory_free_bytes', names: ['DCGM_FI_DEV_FB_FREE'], shortName: 'FBFRE', convert: mib },
  { id: 250, metric: 'gpu_memory_total_bytes', names: ['DCGM_FI_DEV_FB_TOTAL'], shortName: 'FBTTL', convert: mib },
  { id: 100, metric: 'gpu_sm_clock_mhz', names: ['DCGM_FI_DEV_SM_CLOCK'], shortName: 'SMCLK', convert: same },
  { id: 101, metric: 'gpu_memory_clock_mhz', names: ['DCGM_FI_DEV_MEM_CLOCK'], shortName: 'MMCLK', convert: same },
  { id: 112, metric: 'gpu_throttle_reasons', names: ['DCGM_FI_DEV_CLOCKS_EVENT_REASONS', 'DCGM_FI_DEV_CLOCK_THROTTLE_REASONS'], shortName: 'DVCCTR', convert: same },
  { id: 191, metric: 'gpu_fan_speed_percent', names: ['DCGM_FI_DEV_FAN_SPEED'], shortName: 'FANSP', convert: same },
  { id: 310, metric: 'gpu_ecc_corrected_errors_total', names: ['DCGM_FI_DEV_ECC_SBE_VOL_TOTAL'], shortName: 'ESVTL', convert: same },
  { id: 311, metric: 'gpu_ecc_uncorrected_errors_total', names: ['DCGM_FI_DEV_ECC_DBE_VOL_TOTAL'], shortName: 'EDVTL', convert: same },
  { id: 206, metric: 'gpu_encoder_utilization_percent', names: ['DCGM_FI_DEV_ENC_UTIL'], shortName: 'ECUTL', convert: same },
  { id: 207, metric: 'gpu_decoder_utilization_percent', names: ['DCGM_FI_DEV_DEC_UTIL'], shortName: 'DCUTL', convert: same },
  { id: 113, metric: 'gpu_sm_clock_max_mhz', names: ['DCGM_FI_DEV_MAX_SM_CLOCK'], shortName: 'SMMAX', convert: same },
  { id: 114, metric: 'gpu_memory_clock_max_mhz', names: ['DCGM_FI_DEV_MAX_MEM_CLOCK'], shortName: 'MMMAX', convert: same },
  { id: 202, metric: 'gpu_pcie_replay_total', names: ['DCGM_FI_DEV_PCIE_REPLAY_COUNTER'], shortName: 'RPCTR', convert: same },
  // The number of the last XID the driver reported, as dcgm-exporter's gauge; nvidia-smi has no such reading.
  { id: 230, metric: 'gpu_xid_last', names: ['DCGM_FI_DEV_XID_ERRORS'], shortName: 'XIDER', convert: same },
  // Profiling fields need DCGM's profiling module (datacenter GPUs, one client at a time): watched only with `collectors.dcgm.profiling`.
  // The five activity ratios are measured per MIG GPU instance too (entityLevel GPU_CI; DRAMA GPU_I); the PCIe bytes per GPU only.
  { id: 1001, metric: 'gpu_graphics_engine_active_ratio', names: ['DCGM_FI_PROF_GR_ENGINE_ACTIVE'], shortName: 'GRACT', convert: same, perInstance: true },
  { id: 1002, metric: 'gpu_sm_active_ratio', names: ['DCGM_FI_PROF_SM_ACTIVE'], shortName: 'SMACT', convert: same, perInstance: true },
  { id: 1003, metric: 'gpu_sm_occupancy_ratio', names: ['DCGM_FI_PROF_SM_OCCUPANCY'], shortName: 'SMOCC', convert: same, perInstance: true },
  { id: 1004, metric: 'gpu_tensor_active_ratio', names: ['DCGM_FI_PROF_PIPE_TENSOR_ACTIVE'], shortName: 'TENSO', convert: same, perInstance: true },
  { id: 1005, metric: 'gpu_dram_active_ratio', names: ['DCGM_FI_PROF_DRAM_ACTIVE'], shortName: 'DRAMA', convert: same, perInstance: true },
  { id: 1009, metric: 'gpu_pcie_tx_bytes_per_second', names: ['DCGM_FI_PROF_PCIE_TX_BYTES'], shortName: 'PCITX', convert: same },
  { id: 1010, metric: 'gpu_pcie_rx_bytes_per_second', names: ['DCGM_FI_PROF_PCIE_RX_BYTES'], shortName: 'PCIRX', convert: same },
];

/** What `dcgmi dmon -e` watches by default: every mapped field except the profiling ones. */
export const DEFAULT_DMON_FIELDS: readonly number[] = DCGM_FIELDS.filter((f) => f.id < 1000).map((f) => f.id);

/** The profiling (DCP) fields, added to the watch list when the config asks for them. */
export const PROFILING_DMON_FIELDS: readonly number[] = DCGM_FIELDS.filter((f) => f.id >= 1000).map((f) => f.id);

/** The profiling fields DCGM measures per MIG GPU instance: what `GPU-I` rows are read for. */
export const PER_INSTANCE_FIELDS: readonly number[] = DCGM_FIELDS.filter((f) => f.perInstance).map((f) => f.id);

const BY_ID = new Map(DCGM_FIELDS.map((f) => [f.id, f]));
const BY_NAME = new Map(DCGM_FIELDS.flatMap((f) => f.names.map((n) => [n, f] as const)));

/** The mapping of a field id, if kcloud publishes it. */
export function fieldById(id: number): DcgmField | undefined {
  return BY_ID.get(id);
}

/** The mapping of a DCGM macro name, current or legacy spelling. */
export function fieldByName(name: string): DcgmField | undefined {
  return BY_NAME.get(name.trim());
}
