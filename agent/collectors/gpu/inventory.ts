/**
 * What `nvidia-smi -q -x` (parse-xml.ts) and `nvidia-smi -q` (parse-q-text.ts)
 * both yield: one record per GPU with its inventory (published retained) and
 * its current readings. Every absent or "N/A" value is null, never 0.
 */

// Text sentinels of both formats: `N/A`, `[N/A]`-style brackets, and the sentence
// 590+ drivers print instead (`Display Mode : Requested functionality has been
// deprecated`). Narrower than shared/units' isNoValue on purpose: there
// `disabled` (an ipmitool sentinel) means no reading, here `MIG Mode: Disabled` is a fact.
const TEXT_NO_VALUE = /^(\[.*\]|n\/a|not available|not supported|requested functionality has been deprecated|)$/i;

/** A trimmed text value, or null for the "no value" sentinels of `nvidia-smi -q` / `-q -x`. */
export function textValue(raw: string | null | undefined): string | null {
  const t = raw?.trim() ?? '';
  return TEXT_NO_VALUE.test(t) ? null : t;
}

/** `Enabled` -> true, `Disabled` -> false (ECC, persistence mode); null for N/A and anything else. */
export function enabledValue(raw: string | null): boolean | null {
  const t = raw?.toLowerCase();
  return t === 'enabled' ? true : t === 'disabled' ? false : null;
}

/** A MIG GPU instance as listed under its parent GPU. */
export interface MigDevice {
  /** MIG device index within the parent GPU (`MIG Device` / `<mig_device><index>`). */
  index: number;
  gpuInstanceId: number | null;
  computeInstanceId: number | null;
  /** Profile name such as `3g.40gb`; only `nvidia-smi -L` prints it (see parse-list.ts). */
  profile: string | null;
  /** `MIG-...` UUID, from `nvidia-smi -L`. */
  uuid: string | null;
  multiprocessors: number | null;
  memoryTotalBytes: number | null;
  memoryUsedBytes: number | null;
}

/** A process holding a GPU context. */
export interface GpuProcess {
  pid: number;
  /** `C` (compute), `G` (graphics) or `C+G`. */
  type: string | null;
  name: string | null;
  /** Null where the driver cannot tell (Windows WDDM: "Not available in WDDM driver model"). */
  usedMemoryBytes: number | null;
  /** MIG instance the process runs in; null without MIG. */
  gpuInstanceId: number | null;
  computeInstanceId: number | null;
}

export interface PowerLimits {
  enforcedWatts: number | null;
  defaultWatts: number | null;
  minWatts: number | null;
  maxWatts: number | null;
}

/**
 * A PCIe link property (generation, or width in lanes). `max` is what GPU and
 * slot both support; `current` drops at idle to save power (an RTX 2080 SUPER
 * reads `Max : 3`, `Current : 1` idle and 3 under load), so it is a reading of
 * the moment the inventory was taken.
 */
export interface PcieLink {
  max: number | null;
  current: number | null;
}

export interface GpuInventory {
  /** nvidia-smi's GPU index: the position in its output, as in Telegraf (the XML has no index element). */
  index: number;
  uuid: string;
  name: string | null;
  serial: string | null;
  driverVersion: string | null;
  cudaVersion: string | null;
  vbios: string | null;
  pciBusId: string | null;
  /** `Product Architecture` (`Hopper`, `Ada Lovelace`); drivers before ~510 do not print it. */
  architecture: string | null;
  /**
   * CUDA compute capability as `major.minor` (`9.0`). Neither `-q` nor `-q -x`
   * prints it (drivers 418 to 610): read-inventory.ts adds it from
   * `--query-gpu=uuid,compute_cap`, null where the driver lacks that field.
   */
  computeCapability: string | null;
  pcieGeneration: PcieLink;
  /** Lanes (`16x` -> 16). */
  pcieLinkWidth: PcieLink;
  /** Current ECC mode; null where the GPU has none (GeForce prints N/A). */
  eccEnabled: boolean | null;
  /** Persistence mode; null where the OS has none (Windows prints N/A). */
  persistenceModeEnabled: boolean | null;
  memoryTotalBytes: number | null;
  powerLimits: PowerLimits;
  /** `Enabled` / `Disabled`; null on GPUs without MIG. */
  migMode: string | null;
  migDevices: MigDevice[];
  processes: GpuProcess[];
  /**
   * Why the GPU has no utilisation reading, when it is known: with MIG
   * enabled nvidia-smi answers `[N/A]` for the whole GPU and only DCGM's
   * profiling fields measure the instances (set in mig.ts).
   */
  utilization?: 'not_supported_in_mig';
}

/** Current readings, in the catalogue's units (shared/metrics/gpu.ts). */
export interface GpuReadings {
  powerWatts: number | null;
  powerInstantWatts: number | null;
  powerLimitWatts: number | null;
  temperatureCelsius: number | null;
  memoryTemperatureCelsius: number | null;
  utilizationPercent: number | null;
  memoryUtilizationPercent: number | null;
  memoryUsedBytes: number | null;
  memoryFreeBytes: number | null;
  memoryTotalBytes: number | null;
  smClockMhz: number | null;
  memoryClockMhz: number | null;
  fanSpeedPercent: number | null;
  /**
   * PCIe replays since the GPU was reset (`PCI > Replays Since Reset`,
   * `<pci><replay_counter>`): dcgm-exporter's DCGM_FI_DEV_PCIE_REPLAY_COUNTER.
   * No `--query-gpu` field has it, so it is as fresh as the last inventory read.
   */
  pcieReplays: number | null;
}

export interface GpuReport {
  inventory: GpuInventory;
  readings: GpuReadings;
}

/** A whole `-q` / `-q -x` document. */
export interface NvidiaSmiReport {
  gpus: GpuReport[];
  /** Things the parser wants logged once (e.g. an unknown XML schema version). */
  warnings: string[];
}
