import { Type } from '@sinclair/typebox';
import { Count, Envelope, Nullable, NullableEnum, PageMetadata, PeriodEcho, RangeEcho, StringEnum, Timestamp, withErrors } from './common.js';
import { StoreMetadata } from '../../../remote-read/schema.js';

const Num = Nullable(Type.Number());
const Str = Nullable(Type.String());

/** The static facts every GPU answer starts with (accelerators.ts gpuFacts). */
const GpuFacts = {
  gpu_id: Type.String({ description: '`nvidia<N>`: the nvidia-smi index on its node' }),
  uuid: Type.String(),
  node: Type.String(),
  cluster: Type.String(),
  model: Str,
  driver_version: Str,
  cuda_version: Str,
  memory_total_mb: Num,
  mig_mode: Str,
  status: StringEnum(['active', 'idle', 'error'] as const),
};

const GpuListItem = Type.Object({
  ...GpuFacts,
  power_watts: Num,
  temperature_celsius: Num,
  utilization_percent: Num,
  memory_used_mb: Num,
  power_limit_watts: Type.Optional(Num),
  memory_utilization_percent: Type.Optional(Num),
  process_count: Type.Optional(Count),
  last_sample_at: Type.Optional(Nullable(Timestamp)),
}, { description: 'power_limit_watts, memory_utilization_percent, process_count and last_sample_at only with include_metrics=true' });

export const GpuListResponse = withErrors(Envelope('gpu', Type.Array(GpuListItem), {}, PageMetadata));

export const GpuSummaryResponse = withErrors(
  Envelope(
    'gpu_summary',
    Type.Object({
      total_gpus: Count,
      active_gpus: Count,
      idle_gpus: Count,
      error_gpus: Count,
      total_power_watts: Num,
      average_utilization_percent: Num,
      average_temperature_celsius: Num,
      total_memory_mb: Num,
      used_memory_mb: Num,
      memory_utilization_percent: Num,
      nodes: Type.Array(Type.String()),
    }),
  ),
);

const MigDevice = Type.Object({
  index: Type.Number(),
  uuid: Str,
  profile: Str,
  gpu_instance_id: Num,
  compute_instance_id: Num,
  multiprocessors: Num,
  memory_total_mb: Num,
  memory_used_mb: Num,
});

export const GpuDetailResponse = withErrors(
  Envelope(
    'gpu',
    Type.Object({
      ...GpuFacts,
      serial: Str,
      pci_bus_id: Str,
      architecture: Str,
      compute_capability: Str,
      pcie_generation: Num,
      pcie_link_width: Num,
      pcie_generation_current: Num,
      pcie_link_width_current: Num,
      memory_bus_width: Type.Null(),
      ecc_enabled: Nullable(Type.Boolean()),
      persistence_mode_enabled: Nullable(Type.Boolean()),
      vbios_version: Str,
      power_limit_watts: Num,
      power_default_watts: Num,
      power_min_watts: Num,
      power_max_watts: Num,
      mig_devices: Type.Array(MigDevice),
    }),
  ),
);

export const GpuMetricsResponse = withErrors(
  Envelope(
    'gpu_metrics',
    Type.Object({
      gpu_id: Type.String(),
      uuid: Type.String(),
      node: Type.String(),
      current: Type.Object({
        timestamp: Nullable(Timestamp),
        power_watts: Num,
        temperature_celsius: Num,
        memory_temperature_celsius: Num,
        gpu_utilization_percent: Num,
        memory_utilization_percent: Num,
        memory_used_mb: Num,
        memory_total_mb: Num,
        sm_clock_mhz: Num,
        memory_clock_mhz: Num,
        pcie_throughput_rx_mbps: Num,
        pcie_throughput_tx_mbps: Num,
        fan_speed_rpm: Type.Null(),
        fan_speed_percent: Num,
      }),
      timeseries: Type.Array(
        Type.Object({
          timestamp: Nullable(Timestamp),
          power_watts: Num,
          temperature_celsius: Num,
          utilization_percent: Num,
          memory_utilization_percent: Num,
          memory_used_mb: Num,
        }),
      ),
    }),
    {},
    { query: RangeEcho, ...StoreMetadata },
  ),
);

export const GpuPowerResponse = withErrors(
  Envelope(
    'gpu_power',
    Type.Object({
      gpu_id: Type.String(),
      uuid: Type.String(),
      node: Type.String(),
      current_power_watts: Num,
      average_power_watts: Num,
      max_power_watts: Num,
      min_power_watts: Num,
      power_limit_watts: Num,
      power_usage_percent: Num,
      energy_consumed_joules: Num,
      energy_method: NullableEnum(['counter', 'power_integral', 'mixed'] as const),
      efficiency_gflops_per_watt: Type.Null(),
      period: PeriodEcho,
      start_time: Nullable(Timestamp),
      end_time: Nullable(Timestamp),
    }),
    {},
    StoreMetadata,
  ),
);

export const NpuListResponse = withErrors(
  Envelope('npu', Type.Array(Type.Unknown(), { maxItems: 0, description: 'Always empty: no NPU collector exists yet' }), {}, { total_count: Count, note: Type.String() }),
);
