import type { GpuInventory, MigDevice } from '../../agent/collectors/gpu/inventory.js';
import type { LatestSample, LatestValues } from './latest-values.js';
import type { NodeState, NodeView } from './node-directory.js';

/** The newest fresh readings of one GPU, in the catalogue's units; null when absent or stale, never 0. */
export interface GpuReadings {
  powerWatts: number | null;
  powerLimitWatts: number | null;
  temperatureCelsius: number | null;
  memoryTemperatureCelsius: number | null;
  utilizationPercent: number | null;
  memoryUtilizationPercent: number | null;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
  smClockMhz: number | null;
  memoryClockMhz: number | null;
  pcieRxBytesPerSecond: number | null;
  pcieTxBytesPerSecond: number | null;
  fanSpeedPercent: number | null;
  eccUncorrectedErrors: number | null;
  /** Newest sample time among the readings (ms). */
  ts: number | null;
}

export type GpuStatus = 'active' | 'idle' | 'error';

/** One GPU: the agent's inventory (when it sent one) joined with its newest fresh samples. */
export interface GpuView {
  /** `nvidia<index>` as kcloud-monitor-api spells it; unique only within a node. */
  gpuId: string;
  index: number;
  uuid: string;
  node: string;
  cluster: string;
  nodeState: NodeState;
  /** Null for a GPU known only from samples (e.g. before the first inventory). */
  inventory: GpuInventory | null;
  readings: GpuReadings;
  /** Processes with a fresh gpu_process_memory_used_bytes sample on this GPU. */
  processCount: number;
  status: GpuStatus;
}

/** At or above this utilisation a GPU counts as active even without a process sample (a graphics context, a short kernel). */
export const ACTIVE_UTILIZATION_PERCENT = 1;

const READING_METRICS = {
  powerWatts: 'gpu_power_watts',
  powerLimitWatts: 'gpu_power_limit_watts',
  temperatureCelsius: 'gpu_temperature_celsius',
  memoryTemperatureCelsius: 'gpu_memory_temperature_celsius',
  utilizationPercent: 'gpu_utilization_percent',
  memoryUtilizationPercent: 'gpu_memory_utilization_percent',
  memoryUsedBytes: 'gpu_memory_used_bytes',
  memoryTotalBytes: 'gpu_memory_total_bytes',
  smClockMhz: 'gpu_sm_clock_mhz',
  memoryClockMhz: 'gpu_memory_clock_mhz',
  pcieRxBytesPerSecond: 'gpu_pcie_rx_bytes_per_second',
  pcieTxBytesPerSecond: 'gpu_pcie_tx_bytes_per_second',
  fanSpeedPercent: 'gpu_fan_speed_percent',
  eccUncorrectedErrors: 'gpu_ecc_uncorrected_errors_total',
} as const satisfies Record<Exclude<keyof GpuReadings, 'ts'>, string>;

const READING_FIELDS = Object.keys(READING_METRICS) as (keyof typeof READING_METRICS)[];

/** localeCompare's order (ECMA-402 defines it as this collator's), without a collator made per comparison. */
const collator = new Intl.Collator();

const key = (node: string, uuid: string) => `${node}\u0000${uuid}`;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const textOrNull = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);

/**
 * A GPU as the DCGM collector reports it (`dcgm.gpus`, agent/collectors/dcgm/
 * parse-discovery.ts): `dcgmi discovery -l` gives the name, PCI bus id and
 * UUID only, so every other fact is null. DCGM's GPU id is the NVML index,
 * which is also the `gpu` label of the DCGM samples.
 */
function dcgmInventory(g: Record<string, unknown>): GpuInventory | null {
  if (typeof g.uuid !== 'string' || g.uuid === '' || typeof g.id !== 'number' || !Number.isInteger(g.id) || g.id < 0) return null;
  return {
    index: g.id,
    uuid: g.uuid,
    name: textOrNull(g.name),
    serial: null,
    driverVersion: null,
    cudaVersion: null,
    vbios: null,
    pciBusId: textOrNull(g.pciBusId),
    architecture: null,
    computeCapability: null,
    pcieGeneration: { max: null, current: null },
    pcieLinkWidth: { max: null, current: null },
    eccEnabled: null,
    persistenceModeEnabled: null,
    memoryTotalBytes: null,
    powerLimits: { enforcedWatts: null, defaultWatts: null, minWatts: null, maxWatts: null },
    migMode: null,
    migDevices: [],
    processes: [],
  };
}

/**
 * The GPUs of a node's inventory: the nvidia-smi collector's `gpus`
 * (agent/collectors/gpu/inventory.ts GpuInventory[]), then the DCGM
 * collector's `dcgm.gpus` for UUIDs nvidia-smi did not list (a DCGM-only
 * host has only those). The hub stores inventories as the agent sent them,
 * so entries without a uuid and an index are skipped rather than trusted.
 */
export function inventoryGpus(node: NodeView): GpuInventory[] {
  const { gpus, dcgm } = node.inventory;
  const fromSmi = Array.isArray(gpus)
    ? gpus.filter((g): g is GpuInventory => isRecord(g) && typeof g.uuid === 'string' && g.uuid !== '' && typeof g.index === 'number')
    : [];
  const listed = new Set(fromSmi.map((g) => g.uuid));
  const discovered = isRecord(dcgm) && Array.isArray(dcgm.gpus) ? dcgm.gpus : [];
  const fromDcgm = discovered.flatMap((g) => {
    const inv = isRecord(g) ? dcgmInventory(g) : null;
    if (!inv || listed.has(inv.uuid)) return [];
    listed.add(inv.uuid);
    return [inv];
  });
  return [...fromSmi, ...fromDcgm];
}

/**
 * The status the API reports, decided in this order:
 * - `error`: the node is not online, the GPU has no fresh sample (it stopped
 *   reporting: fell off the bus, collector failing), or its volatile
 *   uncorrected ECC count is above 0 (a double-bit error since the driver
 *   loaded: NVIDIA asks for a GPU reset). XIDs (gpu_xid_last) are left out:
 *   the last one stays until reboot, and many are application faults (13, 31, 43).
 * - `active`: a process holds it (fresh per-process sample) or its
 *   utilisation is at least ACTIVE_UTILIZATION_PERCENT.
 * - `idle`: otherwise.
 */
export function gpuStatus(nodeState: NodeState, r: GpuReadings, processCount: number): GpuStatus {
  if (nodeState !== 'online' || r.ts === null) return 'error';
  if (r.eccUncorrectedErrors !== null && r.eccUncorrectedErrors > 0) return 'error';
  if (processCount > 0 || (r.utilizationPercent !== null && r.utilizationPercent >= ACTIVE_UTILIZATION_PERCENT)) return 'active';
  return 'idle';
}

/** Indexes a metric's held records by node and uuid (read before listGpus returns: the records change with the next sample). */
function byGpu(samples: Iterable<Readonly<LatestSample>>): Map<string, Readonly<LatestSample>> {
  const out = new Map<string, Readonly<LatestSample>>();
  for (const s of samples) if (s.labels.node && s.labels.uuid) out.set(key(s.labels.node, s.labels.uuid), s);
  return out;
}

/**
 * Every GPU of these nodes: those in each node's inventory, plus those only
 * known from samples (a DCGM-only node, a GPU that appeared since the last
 * inventory). Readings are the newest samples not older than `since`.
 * Sorted by node, then index.
 */
export function listGpus(nodes: readonly NodeView[], latest: LatestValues, since: number): GpuView[] {
  const names = new Set(nodes.map((n) => n.name));
  const fresh = Object.fromEntries(Object.entries(READING_METRICS).map(([field, metric]) => [field, byGpu(latest.held(metric, since))])) as Record<
    keyof typeof READING_METRICS,
    Map<string, Readonly<LatestSample>>
  >;
  const processes = new Map<string, Set<string>>();
  for (const s of latest.held('gpu_process_memory_used_bytes', since)) {
    const k = key(s.labels.node ?? '', s.labels.uuid ?? '');
    if (!processes.has(k)) processes.set(k, new Set());
    processes.get(k)!.add(s.labels.pid ?? '');
  }
  // GPUs seen in any sample, fresh or not, so a GPU that stopped reporting is listed as `error`, not dropped.
  const seen = new Map<string, { node: string; index: number; uuid: string }>();
  for (const metric of ['gpu_power_watts', 'gpu_utilization_percent', 'gpu_memory_total_bytes']) {
    for (const s of latest.held(metric)) {
      const { node, uuid, gpu } = s.labels;
      if (node && uuid && names.has(node) && gpu !== undefined && /^\d+$/.test(gpu)) seen.set(key(node, uuid), { node, uuid, index: Number(gpu) });
    }
  }
  // By node, in the order first seen: a scan of every seen GPU per node made the list quadratic in the fleet.
  const seenByNode = new Map<string, { uuid: string; index: number }[]>();
  for (const s of seen.values()) {
    const list = seenByNode.get(s.node);
    if (list) list.push(s);
    else seenByNode.set(s.node, [s]);
  }

  const out: GpuView[] = [];
  for (const node of nodes) {
    const inv = new Map(inventoryGpus(node).map((g) => [g.uuid, g]));
    const ids = new Map<string, number>([...inv.values()].map((g) => [g.uuid, g.index]));
    for (const s of seenByNode.get(node.name) ?? []) if (!ids.has(s.uuid)) ids.set(s.uuid, s.index);
    for (const [uuid, index] of ids) {
      const k = key(node.name, uuid);
      const readings = { ts: null } as GpuReadings;
      for (const field of READING_FIELDS) {
        const s = fresh[field].get(k);
        readings[field] = s?.value ?? null;
        if (s && (readings.ts === null || s.ts > readings.ts)) readings.ts = s.ts;
      }
      const processCount = processes.get(k)?.size ?? 0;
      out.push({
        gpuId: `nvidia${index}`,
        index,
        uuid,
        node: node.name,
        cluster: node.cluster,
        nodeState: node.state,
        inventory: inv.get(uuid) ?? null,
        readings,
        processCount,
        status: gpuStatus(node.state, readings, processCount),
      });
    }
  }
  return out.sort((a, b) => collator.compare(a.cluster, b.cluster) || collator.compare(a.node, b.node) || a.index - b.index);
}

/** What a gpu_id resolved to: one GPU, none, or several on different nodes. */
export type GpuLookup = { kind: 'found'; gpu: GpuView } | { kind: 'none' } | { kind: 'ambiguous'; candidates: GpuView[] };

/**
 * Resolves kcloud-monitor-api's `{gpu_id}`: `nvidia<N>` (the documented form,
 * unique only within a node) or a GPU UUID (unique per device; fixtures and
 * cloned VMs can still repeat one). `node` narrows the candidates; more than
 * one left is ambiguous and the caller must say which node.
 */
export function findGpu(gpus: readonly GpuView[], gpuId: string, node?: string): GpuLookup {
  const m = /^nvidia(\d+)$/.exec(gpuId);
  const candidates = gpus.filter((g) => (node === undefined || g.node === node) && (m ? g.index === Number(m[1]) : g.uuid.toLowerCase() === gpuId.toLowerCase()));
  if (candidates.length === 0) return { kind: 'none' };
  if (candidates.length > 1) return { kind: 'ambiguous', candidates };
  return { kind: 'found', gpu: candidates[0]! };
}

/** MIG instances of a GPU from its inventory ([] without MIG). */
export function migDevices(gpu: GpuView): MigDevice[] {
  return Array.isArray(gpu.inventory?.migDevices) ? gpu.inventory.migDevices : [];
}
