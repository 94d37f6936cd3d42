import { DEFAULT_EXPOSITION, familyOf, type ExpositionOptions, type Family } from '../../agent/metrics/families.js';
import { gpuInfoOf, type GpuInfo } from '../../agent/metrics/gpu-info.js';
import { BoundedCache } from '../../shared/bounded-cache.js';
import { METRICS } from '../../shared/metrics/index.js';
import { encodeLabels, type EncodedLabels, type PromLabel } from './prompb.js';

/** `storage.remoteWrite[].names`: kcloud's names, dcgm-exporter's for the GPU metrics it has, or both. */
export type SeriesNaming = 'kcloud' | 'dcgm' | 'both';

/** A series as the tsdb stores it: catalogue name, labels with `node` and `cluster`. */
export interface StoredSeries {
  metric: string;
  labels: Record<string, string>;
}

/** One series written for a stored one: its labels (`__name__` among them, sorted by name) and the factor its values are multiplied by. */
export interface OutSeries {
  labels: PromLabel[];
  scale: number;
}

/** GPU UUID -> model, PCI bus id and driver version, as the hub's /metrics labels them. */
export type GpuFacts = ReadonlyMap<string, GpuInfo>;

const NO_GPUS: GpuFacts = new Map();

function sorted(labels: Record<string, string>): PromLabel[] {
  // Empty values are left out: to Prometheus an empty label is no label, and receivers refuse or drop it.
  return Object.entries(labels)
    .filter(([, value]) => value !== '')
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** kcloud's name and the stored labels, as the hub's API answers with them. */
function kcloudSeries(s: StoredSeries): OutSeries {
  return { labels: sorted({ ...s.labels, __name__: s.metric }), scale: 1 };
}

/**
 * dcgm-exporter's name, labels and unit for a GPU series: the mapping of the
 * hub's /metrics (agent/metrics/families.ts: `gpu`, `UUID`, `pci_bus_id`,
 * `device`, `modelName`, `Hostname`/`hostname`, `DCGM_FI_DRIVER_VERSION`,
 * MIG labels; MiB and mJ where dcgm-exporter uses them) plus `cluster`.
 */
function dcgmSeries(s: StoredSeries, family: Family, gpus: GpuFacts): OutSeries {
  const labels = family.labels(s.labels, s.labels.node ?? '', gpus);
  return { labels: sorted({ ...labels, cluster: s.labels.cluster ?? '', __name__: family.name }), scale: family.scale };
}

/**
 * The series remote write sends for one stored series. `kcloud`: the stored
 * name and labels. `dcgm`: a GPU metric dcgm-exporter has goes out under
 * dcgm-exporter's name instead; every other series (host, BMC, RAPL, GPU
 * metrics dcgm-exporter lacks) keeps kcloud's. `both`: a GPU series goes
 * out under both names.
 */
export function namesOf(s: StoredSeries, naming: SeriesNaming, gpus: GpuFacts, dcgmFamilies: ReadonlyMap<string, Family>): OutSeries[] {
  const family = naming === 'kcloud' ? undefined : dcgmFamilies.get(s.metric);
  if (!family) return [kcloudSeries(s)];
  const dcgm = dcgmSeries(s, family, gpus);
  return naming === 'both' ? [kcloudSeries(s), dcgm] : [dcgm];
}

/** Catalogue metric -> its /metrics family, for the metrics dcgm-exporter has a name for. */
export function dcgmFamilies(exposition: ExpositionOptions = DEFAULT_EXPOSITION): Map<string, Family> {
  return new Map(METRICS.filter((m) => m.dcgm).map((m) => [m.name, familyOf(m, exposition)]));
}

/**
 * Series kept named at once. Each hub of a group sees every series of the
 * fleet (the broker deals a node's batches to any of them), and a request
 * holds up to maxSamplesPerSend series, so the cache has to cover the
 * fleet's active series (280 000 for 1 000 nodes of 8 GPUs): a miss costs a
 * point read of tsdb.db's `series` table, a JSON parse and an encoding. The
 * bound (about 300 bytes a series of kcloud names) keeps a fleet with churning series (pods,
 * pids) from growing the hub without limit.
 */
export const MAX_CACHED_SERIES = 1_000_000;

/** What remote write sends for one stored series: its labels, encoded once (prompb.ts), and the factor its values are multiplied by. */
export interface WrittenSeries {
  labels: EncodedLabels;
  scale: number;
}

interface Cached {
  out: WrittenSeries[];
  /** The GPU facts its dcgm labels were made from: other facts (an inventory came) make them again. */
  uuid: string;
  facts: GpuInfo | undefined;
}

const sameFacts = (a: GpuInfo | undefined, b: GpuInfo | undefined) =>
  a === b || (a !== undefined && b !== undefined && a.modelName === b.modelName && a.pciBusId === b.pciBusId && a.driverVersion === b.driverVersion);

/**
 * Names of series ids for one queue, each made once and kept. The GPU facts
 * are read once per request; a dcgm-named series whose GPU's facts changed
 * since is named again, so a late inventory fills `modelName` from the next
 * request on. At most `maxEntries` are kept; the least recently used go
 * first (BoundedCache).
 */
export class SeriesNames {
  private readonly cache: BoundedCache<number, Cached>;
  private readonly families: ReadonlyMap<string, Family>;

  constructor(
    private readonly naming: SeriesNaming,
    private readonly stored: (seriesId: number) => StoredSeries,
    /** null while the hub does not know its fleet's GPUs yet (starting): dcgm names wait for them. */
    private readonly gpus: () => GpuFacts | null,
    exposition: ExpositionOptions = DEFAULT_EXPOSITION,
    maxEntries = MAX_CACHED_SERIES,
  ) {
    this.families = naming === 'kcloud' ? new Map() : dcgmFamilies(exposition);
    this.cache = new BoundedCache(maxEntries);
  }

  /** The naming of one request, or null while dcgm names need GPU facts the hub does not have yet. */
  forRequest(): ((seriesId: number) => WrittenSeries[]) | null {
    const gpus = this.naming === 'kcloud' ? NO_GPUS : this.gpus();
    if (gpus === null) return null;
    return (id) => this.lookup(id, gpus);
  }

  private lookup(id: number, gpus: GpuFacts): WrittenSeries[] {
    const hit = this.cache.get(id);
    if (hit && (hit.uuid === '' || sameFacts(hit.facts, gpus.get(hit.uuid)))) return hit.out;
    const s = this.stored(id);
    const dcgm = this.families.has(s.metric);
    const out = namesOf(s, this.naming, gpus, this.families).map((n) => ({ labels: encodeLabels(n.labels), scale: n.scale }));
    const entry: Cached = { out, uuid: dcgm ? (s.labels.uuid ?? '') : '', facts: dcgm ? gpus.get(s.labels.uuid ?? '') : undefined };
    this.cache.set(id, entry);
    return entry.out;
  }
}

/** The fleet's GPU facts from its nodes' inventories (nvidia-smi's or DCGM's), as the hub's /metrics gathers them. */
export function gpuFactsOf(inventories: Iterable<Record<string, unknown>>): Map<string, GpuInfo> {
  const out = new Map<string, GpuInfo>();
  for (const inventory of inventories) for (const [uuid, info] of gpuInfoOf(inventory)) out.set(uuid, info);
  return out;
}

/**
 * gpuFactsOf of a node list, made again only when an inventory object
 * changed: a queue asks once per request, and 1 000 nodes of 8 GPUs take
 * about 3 ms to gather (the node directory replaces its objects on a new
 * inventory and on its periodic reload).
 */
export function fleetGpuFacts(nodes: () => readonly { inventory: Record<string, unknown> }[]): () => GpuFacts {
  let seen: Record<string, unknown>[] = [];
  let facts: GpuFacts = NO_GPUS;
  return () => {
    const inventories = nodes().map((n) => n.inventory);
    if (inventories.length !== seen.length || inventories.some((inv, i) => inv !== seen[i])) {
      facts = gpuFactsOf(inventories);
      seen = inventories;
    }
    return facts;
  };
}
