import { aggregate, toSteps, type StepAcc } from '../../../shared/query/engine.js';
import type { Matcher, SeriesRef, SeriesSource } from '../../../shared/query/types.js';
import { counterRates, lastRate } from './counter-rate.js';
import { simulatedValue } from './tenant-monitoring-demo.js';
import { isMeasured, MEASURED_COMBINE, MEASURED_FROM, MEASURED_METRICS, MEASURED_RATE, POSTED_METRICS, postedNameOf, type MeasuredKey, type MetricKey } from './tenant-metrics.js';
import type { Tenant } from './tenant-store.js';

export type MetricSource = 'posted' | 'measured' | 'simulated';

export interface Range {
  /** Inclusive start, exclusive end, ms; the step is the output resolution. */
  start: number;
  end: number;
  step: number;
}

export interface MetricRead {
  /** [step start ms, value], oldest first; steps without samples are absent. */
  points: [number, number][];
  /** Over the whole range: the mean of the samples (of the step sums for measured keys) and the largest. */
  avg: number | null;
  max: number | null;
  source: MetricSource | null;
  /** Why there are no points; null when there are. */
  reason: string | null;
  /** Series read (for X-Debug). */
  series: number;
}

type TenantRef = Pick<Tenant, 'tenantId' | 'namespace' | 'isDemo' | 'requirements'>;

/**
 * The pods the hub's pod watch knows in a tenant's namespace now (by UID),
 * on the cluster the tenant runs on: their measured series count for the
 * tenant even where the agent stored only `pod_uid` (no namespace label).
 */
export interface WatchedPods {
  cluster: string;
  uids: ReadonlySet<string>;
}

/** The pods of `namespace` in a watched cluster's pod facts. */
export function watchedPods(cluster: string, pods: Iterable<{ uid: string; namespace: string }>, namespace: string): WatchedPods {
  const uids = new Set<string>();
  for (const p of pods) if (p.namespace === namespace) uids.add(p.uid);
  return { cluster, uids };
}

/** A measured key's series for the tenant: labelled with its namespace, or (not so labelled) of a pod the watch places in it. */
function measuredSeries(src: SeriesSource, tenant: TenantRef, key: MeasuredKey, pods: WatchedPods | null): SeriesRef[] {
  const metric = MEASURED_METRICS[key];
  const labelled = src.findSeries(metric, [{ label: 'namespace', op: '=', value: tenant.namespace }]);
  if (!pods || pods.uids.size === 0) return labelled;
  const byUid = src.findSeries(metric, [{ label: 'cluster', op: '=', value: pods.cluster }]).filter((s) => s.labels.namespace === undefined && pods.uids.has(s.labels.pod_uid ?? ''));
  return [...labelled, ...byUid];
}

const round = (v: number) => Math.round(v * 1000) / 1000;

/** Values of several processes at one time, as the key adds them up (MEASURED_COMBINE): a sum, or per GPU summed and then averaged over GPUs. */
function combine(key: MeasuredKey, parts: readonly { gpu: string; value: number }[]): number {
  if (MEASURED_COMBINE[key] === 'sum') return parts.reduce((a, p) => a + p.value, 0);
  const byGpu = new Map<string, number>();
  for (const p of parts) byGpu.set(p.gpu, (byGpu.get(p.gpu) ?? 0) + p.value);
  return [...byGpu.values()].reduce((a, v) => a + v, 0) / byGpu.size;
}

/** A GPU process series' GPU: its node and the GPU's UUID (or index). */
const gpuOf = (ref: SeriesRef) => `${ref.labels.node ?? ''}/${ref.labels.uuid ?? ref.labels.gpu ?? ''}`;

/** The tenant's own posted series of a key: one series (labels tenant_id, namespace). */
function readPosted(src: SeriesSource, tenant: TenantRef, key: MetricKey, r: Range): MetricRead {
  const name = postedNameOf(key)!;
  const matchers: Matcher[] = [{ label: 'tenant_id', op: '=', value: tenant.tenantId }];
  const found = src.findSeries(POSTED_METRICS[name].series, matchers);
  const steps = new Map<number, StepAcc>();
  for (const ref of found) {
    for (const [ts, acc] of toSteps(src.readBuckets(ref.id, r.start, r.end, r.step), r.start, r.end, r.step)) {
      const had = steps.get(ts);
      steps.set(ts, had ? { ...had, sum: had.sum + acc.sum, count: had.count + acc.count, max: Math.max(had.max, acc.max), min: Math.min(had.min, acc.min) } : acc);
    }
  }
  const ordered = [...steps.entries()].sort((a, b) => a[0] - b[0]);
  if (ordered.length === 0) return { points: [], avg: null, max: null, source: null, reason: `nothing posted for ${name} in this range (POST /tenants/${tenant.tenantId}/monitoring)`, series: found.length };
  let sum = 0;
  let count = 0;
  let max = -Infinity;
  for (const [, acc] of ordered) {
    sum += acc.sum;
    count += acc.count;
    max = Math.max(max, acc.max);
  }
  return { points: ordered.map(([ts, acc]) => [ts, round(aggregate(acc, 'avg', r.step))]), avg: round(sum / count), max: round(max), source: 'posted', reason: null, series: found.length };
}

/**
 * One measured series per step: its mean, or for a counter (MEASURED_RATE)
 * its rate per second from the raw samples (step hint 1: rollup buckets do
 * not say when their samples were taken, so a rate over them is off where a
 * bucket is partly filled; a range older than raw retention gets the finest
 * tier still kept), read from one step earlier so the first step has a
 * previous reading.
 */
function seriesSteps(src: SeriesSource, ref: SeriesRef, key: MeasuredKey, r: Range): Iterable<[number, number]> {
  if (MEASURED_RATE.has(key)) return counterRates(src.readBuckets(ref.id, r.start - r.step, r.end, 1), r.start, r.end, r.step);
  return [...toSteps(src.readBuckets(ref.id, r.start, r.end, r.step), r.start, r.end, r.step)].map(([ts, acc]) => [ts, aggregate(acc, 'avg', r.step)] as [number, number]);
}

/**
 * A measured key for the tenant's namespace: every series of the key's
 * metric whose `namespace` label is the tenant's (or of a watched pod of
 * it), each averaged (or, for CPU time, turned into a rate) per step, added
 * up across processes or pods as the key says (MEASURED_COMBINE).
 */
function readMeasured(src: SeriesSource, tenant: TenantRef, key: MeasuredKey, r: Range, pods: WatchedPods | null): MetricRead {
  const found = measuredSeries(src, tenant, key, pods);
  const parts = new Map<number, { gpu: string; value: number }[]>();
  for (const ref of found) {
    for (const [ts, value] of seriesSteps(src, ref, key, r)) {
      const at = parts.get(ts) ?? [];
      at.push({ gpu: gpuOf(ref), value });
      parts.set(ts, at);
    }
  }
  const ordered = [...parts.entries()].map(([ts, p]) => [ts, combine(key, p)] as [number, number]).sort((a, b) => a[0] - b[0]);
  if (ordered.length === 0) {
    const reason = tenant.isDemo
      ? `demo tenant: nothing of it runs on a cluster, so no ${MEASURED_FROM[key]} is measured`
      : `no ${MEASURED_METRICS[key]} series with namespace=${tenant.namespace} (or of a pod the watch places there) in this range: no ${MEASURED_FROM[key]} of the tenant's pods was measured`;
    return { points: [], avg: null, max: null, source: null, reason, series: found.length };
  }
  const values = ordered.map(([, v]) => v);
  return {
    points: ordered.map(([ts, v]) => [ts, round(v)]),
    avg: round(values.reduce((a, v) => a + v, 0) / values.length),
    max: round(Math.max(...values)),
    source: 'measured',
    reason: null,
    series: found.length,
  };
}

/** Simulated points of a demo tenant's key, one per step (tenant-monitoring-demo.ts); null for keys the simulation does not cover. */
function readSimulated(tenant: TenantRef, key: MetricKey, r: Range): MetricRead | null {
  const points: [number, number][] = [];
  for (let ts = r.start; ts < r.end; ts += r.step) {
    const v = simulatedValue(tenant, key, ts);
    if (v === null) return null;
    points.push([ts, v]);
  }
  if (points.length === 0) return null;
  const values = points.map(([, v]) => v);
  return { points, avg: round(values.reduce((a, v) => a + v, 0) / values.length), max: Math.max(...values), source: 'simulated', reason: null, series: 0 };
}

/**
 * One key of a tenant over a range: what it posted, or for a measured key
 * (GPU power, memory, utilisation; pod CPU cores and memory) what the agents
 * measured in its namespace. A demo tenant's keys
 * that have neither are simulated (marked `simulated`), never presented
 * as measured.
 */
export function readTenantMetric(src: SeriesSource, tenant: TenantRef, key: MetricKey, r: Range, pods: WatchedPods | null = null): MetricRead {
  const read = isMeasured(key) ? readMeasured(src, tenant, key, r, pods) : readPosted(src, tenant, key, r);
  if (read.points.length > 0 || !tenant.isDemo) return read;
  return readSimulated(tenant, key, r) ?? read;
}

/**
 * The newest sample of each series within [start, end) (raw buckets: step 1
 * is finer than every rollup tier), with its GPU; for a counter
 * (`rate`), the rate between its last two samples there.
 */
function newest(src: SeriesSource, series: readonly SeriesRef[], start: number, end: number, rate = false): { gpu: string; value: number }[] {
  const out: { gpu: string; value: number }[] = [];
  for (const ref of series) {
    let last: number | null = null;
    if (rate) last = lastRate(src.readBuckets(ref.id, start, end, 1));
    else for (const b of src.readBuckets(ref.id, start, end, 1)) last = b.last;
    if (last !== null) out.push({ gpu: gpuOf(ref), value: last });
  }
  return out;
}

/**
 * The newest value of each key within `staleMs` before `now` (what the
 * monitoring WebSocket pushes): a posted key's last sample, a measured
 * key's sum of its processes' last samples, a demo tenant's simulated value
 * where it posted nothing; null with a reason when there is none.
 */
export function latestTenantValues(src: SeriesSource, tenant: TenantRef, keys: readonly MetricKey[], now: number, staleMs: number, pods: WatchedPods | null = null) {
  const values: Partial<Record<MetricKey, number | null>> = {};
  const sources: Partial<Record<MetricKey, MetricSource>> = {};
  const unavailable: Partial<Record<MetricKey, string>> = {};
  const start = now - staleMs;
  for (const key of keys) {
    const posted = postedNameOf(key);
    const series = posted ? src.findSeries(POSTED_METRICS[posted].series, [{ label: 'tenant_id', op: '=', value: tenant.tenantId }]) : measuredSeries(src, tenant, key as MeasuredKey, pods);
    const found = newest(src, series, start, now + 1, !posted && MEASURED_RATE.has(key as MeasuredKey));
    if (found.length > 0) {
      values[key] = round(posted ? found.reduce((a, p) => a + p.value, 0) : combine(key as MeasuredKey, found));
      sources[key] = posted ? 'posted' : 'measured';
      continue;
    }
    const simulated = tenant.isDemo ? simulatedValue(tenant, key, now) : null;
    values[key] = simulated;
    if (simulated !== null) sources[key] = 'simulated';
    else if (posted) unavailable[key] = `nothing posted for ${posted} in the last ${Math.round(staleMs / 1000)} s`;
    else unavailable[key] = tenant.isDemo ? 'demo tenant: nothing of it runs on a cluster' : `no ${MEASURED_METRICS[key as MeasuredKey]} series with namespace=${tenant.namespace} (or of a pod the watch places there) in the last ${Math.round(staleMs / 1000)} s`;
  }
  return { values, sources, unavailable };
}
