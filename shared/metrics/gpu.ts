import { defineMetrics } from './catalogue.js';

const GPU = ['gpu', 'uuid'] as const;
/** A whole GPU's series, or (with `gpu_i` and `profile`) one MIG GPU instance's: DCGM measures the profiling activity ratios per instance. */
const GPU_OR_INSTANCE = [...GPU, 'gpu_i', 'profile'] as const;
const MIB = 1 / (1024 * 1024);

/** GPU metrics (nvidia-smi and DCGM sources publish the same names). */
export const GPU_METRICS = defineMetrics([
  { name: 'gpu_power_watts', type: 'gauge', help: 'Board power draw (1 s average on Ampere and newer)', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_POWER_USAGE', scale: 1 } },
  { name: 'gpu_power_instant_watts', type: 'gauge', help: 'Instantaneous board power draw', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_POWER_USAGE_INSTANT', scale: 1 } },
  { name: 'gpu_power_limit_watts', type: 'gauge', help: 'Enforced power limit', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_POWER_MGMT_LIMIT', scale: 1 } },
  { name: 'gpu_energy_joules', type: 'counter', help: 'Total energy consumed since the driver was loaded', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', scale: 1000 } },
  { name: 'gpu_utilization_percent', type: 'gauge', help: 'GPU (SM) utilisation', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_GPU_UTIL', scale: 1 } },
  { name: 'gpu_memory_utilization_percent', type: 'gauge', help: 'Memory controller utilisation', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_MEM_COPY_UTIL', scale: 1 } },
  { name: 'gpu_memory_used_bytes', type: 'gauge', help: 'Framebuffer memory used', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_FB_USED', scale: MIB } },
  { name: 'gpu_memory_free_bytes', type: 'gauge', help: 'Framebuffer memory free', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_FB_FREE', scale: MIB } },
  { name: 'gpu_memory_total_bytes', type: 'gauge', help: 'Framebuffer memory total', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_FB_TOTAL', scale: MIB } },
  { name: 'gpu_temperature_celsius', type: 'gauge', help: 'GPU core temperature', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_GPU_TEMP', scale: 1 } },
  { name: 'gpu_memory_temperature_celsius', type: 'gauge', help: 'Memory (HBM) temperature', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_MEMORY_TEMP', scale: 1 } },
  { name: 'gpu_sm_clock_mhz', type: 'gauge', help: 'SM clock', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_SM_CLOCK', scale: 1 } },
  { name: 'gpu_memory_clock_mhz', type: 'gauge', help: 'Memory clock', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_MEM_CLOCK', scale: 1 } },
  { name: 'gpu_pcie_tx_bytes_per_second', type: 'gauge', help: 'PCIe transmit throughput', labels: GPU, dcgm: { name: 'DCGM_FI_PROF_PCIE_TX_BYTES', scale: 1 } },
  { name: 'gpu_pcie_rx_bytes_per_second', type: 'gauge', help: 'PCIe receive throughput', labels: GPU, dcgm: { name: 'DCGM_FI_PROF_PCIE_RX_BYTES', scale: 1 } },
  { name: 'gpu_ecc_corrected_errors_total', type: 'counter', help: 'Corrected (single-bit) ECC errors, volatile', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_ECC_SBE_VOL_TOTAL', scale: 1 } },
  { name: 'gpu_ecc_uncorrected_errors_total', type: 'counter', help: 'Uncorrected (double-bit) ECC errors, volatile', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_ECC_DBE_VOL_TOTAL', scale: 1 } },
  { name: 'gpu_throttle_reasons', type: 'gauge', help: 'Active clock throttle (event) reasons as the NVML bitmask', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_CLOCK_THROTTLE_REASONS', scale: 1 } },
  { name: 'gpu_fan_speed_percent', type: 'gauge', help: 'Fan speed', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_FAN_SPEED', scale: 1 } },
  { name: 'gpu_encoder_utilization_percent', type: 'gauge', help: 'Video encoder utilisation', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_ENC_UTIL', scale: 1 } },
  { name: 'gpu_decoder_utilization_percent', type: 'gauge', help: 'Video decoder utilisation', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_DEC_UTIL', scale: 1 } },
  { name: 'gpu_memory_reserved_bytes', type: 'gauge', help: 'Framebuffer memory reserved by the driver', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_FB_RESERVED', scale: MIB } },
  { name: 'gpu_remapped_rows_correctable_total', type: 'counter', help: 'Memory rows remapped for correctable errors', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS', scale: 1 } },
  { name: 'gpu_remapped_rows_uncorrectable_total', type: 'counter', help: 'Memory rows remapped for uncorrectable errors', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS', scale: 1 } },
  { name: 'gpu_row_remap_failure', type: 'gauge', help: '1 when a row remapping has failed (the GPU needs service), else 0', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_ROW_REMAP_FAILURE', scale: 1 } },
  { name: 'gpu_pcie_replay_total', type: 'counter', help: 'PCIe link replays (retries) since the GPU was reset', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_PCIE_REPLAY_COUNTER', scale: 1 } },
  { name: 'gpu_sm_clock_max_mhz', type: 'gauge', help: 'Maximum SM clock', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_MAX_SM_CLOCK', scale: 1 } },
  { name: 'gpu_memory_clock_max_mhz', type: 'gauge', help: 'Maximum memory clock', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_MAX_MEM_CLOCK', scale: 1 } },
  { name: 'gpu_xid_last', type: 'gauge', help: 'Number of the last XID error the driver reported (DCGM, or the kernel log without it)', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_XID_ERRORS', scale: 1 } },
  { name: 'gpu_xid_errors_total', type: 'counter', help: 'XID errors the driver logged since boot, by XID number (kernel log, as far as its ring buffer reaches)', labels: [...GPU, 'xid'] },
  // dcgm-exporter types DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL `counter` (its default-counters.csv), so the byte counter carries the name
  // (rate() of it is bytes/s); DCGM itself fills field 449 with a MB/s rate, which kcloud's DCGM collector does not map.
  { name: 'gpu_nvlink_bytes_total', type: 'counter', help: 'NVLink data payload over all links, transmitted plus received, since the counters were reset', labels: GPU, dcgm: { name: 'DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL', scale: 1 } },
  { name: 'gpu_nvlink_bytes_per_second', type: 'gauge', help: 'NVLink data throughput over all links, transmitted plus received, between the last two reads', labels: GPU },
  { name: 'gpu_graphics_engine_active_ratio', type: 'gauge', help: 'Ratio of time the graphics engine is active (DCGM profiling)', labels: GPU_OR_INSTANCE, dcgm: { name: 'DCGM_FI_PROF_GR_ENGINE_ACTIVE', scale: 1 } },
  { name: 'gpu_sm_active_ratio', type: 'gauge', help: 'Ratio of cycles an SM has at least one warp assigned (DCGM profiling)', labels: GPU_OR_INSTANCE, dcgm: { name: 'DCGM_FI_PROF_SM_ACTIVE', scale: 1 } },
  { name: 'gpu_sm_occupancy_ratio', type: 'gauge', help: 'Ratio of warps resident on an SM to its maximum (DCGM profiling)', labels: GPU_OR_INSTANCE, dcgm: { name: 'DCGM_FI_PROF_SM_OCCUPANCY', scale: 1 } },
  { name: 'gpu_tensor_active_ratio', type: 'gauge', help: 'Ratio of cycles the tensor (HMMA) pipe is active (DCGM profiling)', labels: GPU_OR_INSTANCE, dcgm: { name: 'DCGM_FI_PROF_PIPE_TENSOR_ACTIVE', scale: 1 } },
  { name: 'gpu_dram_active_ratio', type: 'gauge', help: 'Ratio of cycles the device memory interface is active (DCGM profiling)', labels: GPU_OR_INSTANCE, dcgm: { name: 'DCGM_FI_PROF_DRAM_ACTIVE', scale: 1 } },
  { name: 'gpu_mig_memory_used_bytes', type: 'gauge', help: 'Memory used by a MIG GPU instance', labels: [...GPU, 'gpu_i', 'profile'] },
  { name: 'gpu_mig_memory_total_bytes', type: 'gauge', help: 'Memory of a MIG GPU instance', labels: [...GPU, 'gpu_i', 'profile'] },
  { name: 'gpu_process_memory_used_bytes', type: 'gauge', help: 'GPU memory used by a process', labels: [...GPU, 'pid', 'container_id', 'pod_uid', 'namespace', 'pod', 'container'] },
  { name: 'gpu_process_utilization_percent', type: 'gauge', help: 'SM utilisation of a process over the last pmon interval (not on MIG instances, where pmon cannot measure it)', labels: [...GPU, 'pid', 'container_id', 'pod_uid', 'namespace', 'pod', 'container'] },
  { name: 'gpu_process_power_watts', type: 'gauge', help: 'Share of the GPU power attributed to a process (pid "idle" holds the unattributed rest)', labels: [...GPU, 'pid', 'container_id', 'pod_uid', 'namespace', 'pod', 'container'] },
  { name: 'gpu_process_energy_joules', type: 'counter', help: 'Energy attributed to a process since the agent saw it', labels: [...GPU, 'pid', 'container_id', 'pod_uid', 'namespace', 'pod', 'container'] },
] as const);
