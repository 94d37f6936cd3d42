import type { Sample } from '../../../shared/schema/message.js';

export const UUID0 = 'GPU-00000000-0000-0000-0000-000000000000';
const GPU0 = { gpu: '0', uuid: UUID0 };
const MIB = 1024 * 1024;

/** The GPU collector's inventory for the H100 of the capture (`name`: "NVIDIA H100 80GB HBM3"). */
export const INVENTORY = { gpus: [{ index: 0, uuid: UUID0, name: 'NVIDIA H100 80GB HBM3', pciBusId: '00000000:00:09.0', driverVersion: '590.48.01' }] };

/** Self-metrics as the runtime reports them. */
export const SELF = { outboxDepth: 3, outboxBytes: 48_213, dropped: 1, collectorErrors: { ipmi: 2, gpu: 0 } };

/**
 * One node's latest readings, values read off the real captures:
 * - ../shared/fixtures/nvidia-smi-csv/h100-80gb-hbm3-590.48.01-load-query-gpu-all.csv:
 *   `power.draw [W]` "631.95 W", `power.draw.instant [W]` "625.68 W", `enforced.power.limit [W]` "700.00 W",
 *   `utilization.gpu [%]` "100 %", `utilization.memory [%]` "11 %", `memory.used [MiB]` "19818 MiB",
 *   `memory.free [MiB]` "61263 MiB", `memory.total [MiB]` "81559 MiB", `temperature.gpu` "59",
 *   `temperature.memory` "54", `clocks.current.sm [MHz]` "1980 MHz", `clocks.current.memory [MHz]` "2619 MHz",
 *   `ecc.errors.corrected.volatile.total` "0", `clocks_event_reasons.active` "0x0000000000000000";
 * - ../shared/bmc-sim/sample-output/sdr-elist.txt: `CPU1_Temp | 01h | ok | 3.1 | 45 degrees C`,
 *   `Inlet_Temp ... 24 degrees C`, `Fan1 ... 8400 RPM`, `12V ... 12.06 Volts`, `PSU1_Power ... 430 Watts`,
 *   `Total_Power ... 840 Watts`; dcmi-power-reading.txt: `Instantaneous power reading: 840 Watts`;
 * - ../shared/fixtures/rapl/procfs-sys-class-powercap.ttar: intel-rapl:0 (package-0) `energy_uj` 240422366267.
 * The GPU energy counter and the process row have no capture (the fixtures carry none); they are made up.
 */
export function nodeSamples(now: number): Sample[] {
  const at = (s: Omit<Sample, 'ts'>): Sample => ({ ...s, ts: now - 1_000 });
  return [
    at({ metric: 'gpu_power_watts', labels: GPU0, value: 631.95 }),
    at({ metric: 'gpu_power_instant_watts', labels: GPU0, value: 625.68 }),
    at({ metric: 'gpu_power_limit_watts', labels: GPU0, value: 700 }),
    at({ metric: 'gpu_energy_joules', labels: GPU0, value: 1_234_567.891 }),
    at({ metric: 'gpu_utilization_percent', labels: GPU0, value: 100 }),
    at({ metric: 'gpu_memory_utilization_percent', labels: GPU0, value: 11 }),
    at({ metric: 'gpu_memory_used_bytes', labels: GPU0, value: 19818 * MIB }),
    at({ metric: 'gpu_memory_free_bytes', labels: GPU0, value: 61263 * MIB }),
    at({ metric: 'gpu_memory_total_bytes', labels: GPU0, value: 81559 * MIB }),
    at({ metric: 'gpu_temperature_celsius', labels: GPU0, value: 59 }),
    at({ metric: 'gpu_memory_temperature_celsius', labels: GPU0, value: 54 }),
    at({ metric: 'gpu_sm_clock_mhz', labels: GPU0, value: 1980 }),
    at({ metric: 'gpu_memory_clock_mhz', labels: GPU0, value: 2619 }),
    at({ metric: 'gpu_ecc_corrected_errors_total', labels: GPU0, value: 0 }),
    at({ metric: 'gpu_throttle_reasons', labels: GPU0, value: 0 }),
    at({
      metric: 'gpu_process_memory_used_bytes',
      labels: { ...GPU0, pid: '4242', container_id: 'c0ffee', pod_uid: 'u-1', namespace: 'ml', pod: 'trainer-0', container: 'pytorch' },
      value: 19_000 * MIB,
    }),
    at({ metric: 'ipmi_temperature_celsius', labels: { sensor: 'CPU1_Temp', id: '01h' }, value: 45 }),
    at({ metric: 'ipmi_temperature_celsius', labels: { sensor: 'Inlet_Temp', id: '03h' }, value: 24 }),
    at({ metric: 'ipmi_fan_rpm', labels: { sensor: 'Fan1', id: '10h' }, value: 8400 }),
    at({ metric: 'ipmi_voltage_volts', labels: { sensor: '12V', id: '18h' }, value: 12.06 }),
    at({ metric: 'ipmi_power_watts', labels: { sensor: 'PSU1_Power', id: '30h' }, value: 430 }),
    at({ metric: 'ipmi_power_watts', labels: { sensor: 'Total_Power', id: '32h' }, value: 840 }),
    at({ metric: 'node_power_watts', labels: { source: 'dcmi' }, value: 840 }),
    at({ metric: 'ipmi_up', value: 1 }),
    at({ metric: 'rapl_energy_joules', labels: { zone: 'package-0', domain: 'package' }, value: 240_422.366267 }),
    at({ metric: 'rapl_power_watts', labels: { zone: 'package-0', domain: 'package' }, value: 123.5 }),
    // The runtime also records its self-metrics as samples; /metrics reads them live from self() instead.
    at({ metric: 'agent_outbox_depth', value: 99 }),
    // Stale: a GPU that fell off the bus six minutes ago.
    { metric: 'gpu_power_watts', labels: { gpu: '1', uuid: 'GPU-gone' }, value: 88, ts: now - 6 * 60_000 },
  ];
}
