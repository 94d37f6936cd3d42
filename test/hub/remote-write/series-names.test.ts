import { describe, expect, it } from 'vitest';
import type { GpuInfo } from '../../../agent/metrics/gpu-info.js';
import type { LatestSample } from '../../../hub/fleet/latest-values.js';
import { renderFleet } from '../../../hub/prometheus/fleet-exporter.js';
import type { LogRecord } from '../../../hub/remote-write/committed-log.js';
import { decodeLabels, type PromLabel } from '../../../hub/remote-write/prompb.js';
import { toSeries } from '../../../hub/remote-write/queue.js';
import { dcgmFamilies, fleetGpuFacts, gpuFactsOf, namesOf, SeriesNames, type GpuFacts, type StoredSeries } from '../../../hub/remote-write/series-names.js';
import { METRICS } from '../../../shared/metrics/index.js';

const H100: GpuInfo = { modelName: 'NVIDIA H100 80GB HBM3', pciBusId: '00000000:19:00.0', driverVersion: '590.48.01' };
const GPUS: GpuFacts = new Map([['GPU-aaaa', H100]]);
const gpuSeries = (metric: string, extra: Record<string, string> = {}): StoredSeries => ({ metric, labels: { cluster: 'lab', node: 'gpu-01', gpu: '3', uuid: 'GPU-aaaa', ...extra } });
const asRecord = (labels: readonly PromLabel[]) => Object.fromEntries(labels.map((l) => [l.name, l.value]));
const names = (labels: readonly PromLabel[]) => labels.map((l) => l.name);

/** The one fleet series of `metric` as the hub's /metrics renders it: its name, labels and value. */
async function onHubMetrics(s: StoredSeries, value: number, legacyHostnameLabel = true): Promise<{ labels: Record<string, string>; value: number }> {
  const sample: LatestSample = { metric: s.metric, labels: s.labels, ts: 1, value };
  const text = await renderFleet({ samples: (m) => (m === s.metric ? [sample] : []), gpus: GPUS, options: { legacyHostnameLabel } });
  const line = text.split('\n').find((l) => l !== '' && !l.startsWith('#'))!;
  const m = /^([A-Za-z_:][\w:]*)\{(.*)\} (\S+)$/.exec(line)!;
  const labels: Record<string, string> = { __name__: m[1]! };
  for (const [, k, v] of m[2]!.matchAll(/(\w+)="([^"]*)"/g)) if (v !== '') labels[k!] = v!;
  return { labels, value: Number(m[3]) };
}

describe('remote-write series names', () => {
  it('kcloud: the stored name and labels, sorted, with __name__', () => {
    const [one, ...rest] = namesOf(gpuSeries('gpu_power_watts'), 'kcloud', GPUS, dcgmFamilies());
    expect(rest).toEqual([]);
    expect(one!.scale).toBe(1);
    expect(one!.labels).toEqual([
      { name: '__name__', value: 'gpu_power_watts' },
      { name: 'cluster', value: 'lab' },
      { name: 'gpu', value: '3' },
      { name: 'node', value: 'gpu-01' },
      { name: 'uuid', value: 'GPU-aaaa' },
    ]);
  });

  it('dcgm: every GPU metric dcgm-exporter has gets the name, labels and unit of the hub /metrics, plus cluster', async () => {
    const families = dcgmFamilies();
    const withDcgm = METRICS.filter((m) => m.dcgm);
    expect(withDcgm.length).toBeGreaterThan(20);
    for (const def of withDcgm) {
      const s = gpuSeries(def.name);
      const [one, ...rest] = namesOf(s, 'dcgm', GPUS, families);
      expect(rest).toEqual([]);
      const rendered = await onHubMetrics(s, 4096.75);
      expect(asRecord(one!.labels)).toEqual(rendered.labels);
      expect(4096.75 * one!.scale).toBe(rendered.value);
      const sortedNames = names(one!.labels);
      expect(sortedNames).toEqual([...sortedNames].sort());
    }
  });

  it('dcgm: the dcgm-exporter label set and its units (W as is, MiB for bytes, mJ for J)', () => {
    const families = dcgmFamilies();
    const [power] = namesOf(gpuSeries('gpu_power_watts'), 'dcgm', GPUS, families);
    expect(asRecord(power!.labels)).toEqual({
      __name__: 'DCGM_FI_DEV_POWER_USAGE',
      gpu: '3',
      UUID: 'GPU-aaaa',
      device: 'nvidia3',
      pci_bus_id: H100.pciBusId,
      modelName: H100.modelName,
      DCGM_FI_DRIVER_VERSION: H100.driverVersion,
      Hostname: 'gpu-01',
      hostname: 'gpu-01',
      cluster: 'lab',
    });
    expect(power!.scale).toBe(1);
    const [memory] = namesOf(gpuSeries('gpu_memory_used_bytes'), 'dcgm', GPUS, families);
    expect(asRecord(memory!.labels).__name__).toBe('DCGM_FI_DEV_FB_USED');
    expect(3 * 1024 * 1024 * memory!.scale).toBe(3);
    const [energy] = namesOf(gpuSeries('gpu_energy_joules'), 'dcgm', GPUS, families);
    expect(asRecord(energy!.labels).__name__).toBe('DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION');
    expect(energy!.scale).toBe(1000);
  });

  it('dcgm: metrics.legacyHostnameLabel false drops Hostname as on /metrics; MIG series get GPU_I_ID and GPU_I_PROFILE', async () => {
    const s = gpuSeries('gpu_utilization_percent', { gpu_i: '1', profile: '1g.10gb' });
    const [one] = namesOf(s, 'dcgm', GPUS, dcgmFamilies({ legacyHostnameLabel: false }));
    expect(asRecord(one!.labels)).toEqual((await onHubMetrics(s, 50, false)).labels);
    expect(names(one!.labels)).not.toContain('Hostname');
    expect(asRecord(one!.labels)).toMatchObject({ hostname: 'gpu-01', GPU_I_ID: '1', GPU_I_PROFILE: '1g.10gb' });
  });

  it('dcgm: a GPU the inventory does not describe gets no empty labels (receivers drop or refuse them)', () => {
    const [one] = namesOf(gpuSeries('gpu_power_watts', { uuid: 'GPU-unknown' }), 'dcgm', GPUS, dcgmFamilies());
    expect(names(one!.labels)).toEqual(['Hostname', 'UUID', '__name__', 'cluster', 'device', 'gpu', 'hostname']);
  });

  it('dcgm: host, BMC and RAPL series, and GPU metrics dcgm-exporter lacks, keep kcloud names', () => {
    const families = dcgmFamilies();
    for (const s of [
      { metric: 'host_cpu_utilization_percent', labels: { cluster: 'lab', node: 'gpu-01' } },
      { metric: 'rapl_power_watts', labels: { cluster: 'lab', node: 'gpu-01', zone: '0', domain: 'package' } },
      gpuSeries('gpu_process_power_watts', { pid: '42' }),
    ]) {
      expect(namesOf(s, 'dcgm', GPUS, families)).toEqual(namesOf(s, 'kcloud', GPUS, families));
    }
  });

  it('both: the kcloud series, then the dcgm-exporter one', () => {
    const s = gpuSeries('gpu_energy_joules');
    const families = dcgmFamilies();
    expect(namesOf(s, 'both', GPUS, families)).toEqual([...namesOf(s, 'kcloud', GPUS, families), ...namesOf(s, 'dcgm', GPUS, families)]);
    const host = { metric: 'host_load1', labels: { cluster: 'lab', node: 'gpu-01' } };
    expect(namesOf(host, 'both', GPUS, families)).toHaveLength(1);
  });

  it('toSeries with both: each stored series under both names, values converted, committed samples counted once', () => {
    const stored = [gpuSeries('gpu_energy_joules'), { metric: 'host_load1', labels: { cluster: 'lab', node: 'gpu-01' } }];
    const naming = new SeriesNames('both', (id) => stored[id]!, () => GPUS).forRequest()!;
    const record: LogRecord = { window: 0, id: 1, triples: new Float64Array([0, 2000, 1.5, 1, 2000, 0.25, 0, 1000, 1.25]) };
    const { series, samples, tooOld } = toSeries([record], naming, 0);
    expect({ samples, tooOld }).toEqual({ samples: 3, tooOld: 0 });
    expect(series.map((s) => [asRecord(decodeLabels(s.labels)).__name__, s.samples])).toEqual([
      ['gpu_energy_joules', [{ value: 1.25, timestamp: 1000 }, { value: 1.5, timestamp: 2000 }]],
      ['DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', [{ value: 1250, timestamp: 1000 }, { value: 1500, timestamp: 2000 }]],
      ['host_load1', [{ value: 0.25, timestamp: 2000 }]],
    ]);
  });
});

describe('SeriesNames (per-series cache)', () => {
  const stored = (ids: number[]) => (id: number) => {
    ids.push(id);
    return gpuSeries('gpu_power_watts', { gpu: String(id), uuid: `GPU-${id}` });
  };

  it('reads and names a series once, then answers from its cache', () => {
    const reads: number[] = [];
    const names = new SeriesNames('both', stored(reads), () => new Map());
    for (let i = 0; i < 3; i++) {
      const naming = names.forRequest()!;
      expect(naming(1)).toHaveLength(2);
      expect(naming(2)).toHaveLength(2);
    }
    expect(reads).toEqual([1, 2]);
  });

  it('names a dcgm series again once its GPU facts change (a late inventory), not before', () => {
    const reads: number[] = [];
    let gpus: GpuFacts = new Map();
    const names = new SeriesNames('dcgm', stored(reads), () => gpus);
    expect(asRecord(decodeLabels(names.forRequest()!(1)[0]!.labels)).modelName).toBeUndefined();
    names.forRequest()!(1);
    expect(reads).toEqual([1]);
    gpus = new Map([['GPU-1', H100]]);
    expect(asRecord(decodeLabels(names.forRequest()!(1)[0]!.labels)).modelName).toBe(H100.modelName);
    // Equal facts read again from the inventory (new objects): still cached.
    gpus = new Map([['GPU-1', { ...H100 }]]);
    names.forRequest()!(1);
    expect(reads).toEqual([1, 1]);
  });

  it('keeps a working set of up to half maxEntries cycled in order (a fleet\'s active series): each read once', () => {
    const reads: number[] = [];
    const names = new SeriesNames('kcloud', stored(reads), () => new Map(), undefined, 10);
    for (let round = 0; round < 4; round++) {
      const naming = names.forRequest()!;
      for (let id = 1; id <= 5; id++) naming(id);
    }
    expect(reads).toEqual([1, 2, 3, 4, 5]);
  });

  it('holds at most maxEntries series, forgetting the least recently used', () => {
    const reads: number[] = [];
    const names = new SeriesNames('kcloud', stored(reads), () => new Map(), undefined, 2);
    const naming = names.forRequest()!;
    naming(1);
    naming(2);
    naming(1);
    naming(3); // evicts 2
    naming(1);
    naming(2);
    expect(reads).toEqual([1, 2, 3, 2]);
  });

  it('waits (null) while the hub does not know its GPUs yet, with dcgm names only; kcloud names never ask', () => {
    let asked = 0;
    const unknown = () => {
      asked++;
      return null;
    };
    expect(new SeriesNames('dcgm', stored([]), unknown).forRequest()).toBeNull();
    expect(new SeriesNames('both', stored([]), unknown).forRequest()).toBeNull();
    expect(new SeriesNames('kcloud', stored([]), unknown).forRequest()).not.toBeNull();
    expect(asked).toBe(2);
  });

  it('gathers the fleet GPU facts from nvidia-smi and DCGM inventories', () => {
    const facts = gpuFactsOf([
      { gpus: [{ uuid: 'GPU-a', name: 'A100', pciBusId: '00000000:01:00.0', driverVersion: '550.1' }] },
      { dcgm: { gpus: [{ uuid: 'GPU-b', name: 'H100', pciBusId: '00000000:02:00.0' }] } },
      {},
    ]);
    expect([...facts]).toEqual([
      ['GPU-a', { modelName: 'A100', pciBusId: '00000000:01:00.0', driverVersion: '550.1' }],
      ['GPU-b', { modelName: 'H100', pciBusId: '00000000:02:00.0', driverVersion: '' }],
    ]);
  });

  it('gathers the fleet GPU facts again only when a node or an inventory object changed', () => {
    const a = { inventory: { gpus: [{ uuid: 'GPU-a', name: 'A100' }] } };
    let nodes = [a];
    const facts = fleetGpuFacts(() => nodes);
    const first = facts();
    expect(first.get('GPU-a')?.modelName).toBe('A100');
    expect(facts()).toBe(first);
    nodes = [{ inventory: { gpus: [{ uuid: 'GPU-a', name: 'A100 80GB' }] } }];
    expect(facts().get('GPU-a')?.modelName).toBe('A100 80GB');
    nodes = [...nodes, { inventory: { gpus: [{ uuid: 'GPU-c', name: 'L4' }] } }];
    expect([...facts().keys()]).toEqual(['GPU-a', 'GPU-c']);
  });
});
