import { Counter, Gauge, Registry } from 'prom-client';
import { AGENT_METRICS } from '../../shared/metrics/agent.js';
import { METRICS, type MetricDef } from '../../shared/metrics/index.js';
import type { LatestSample } from '../latest-values.js';
import { familyOf, type ExpositionOptions } from './families.js';
import { gpuInfoOf, type GpuInfo } from './gpu-info.js';
import { addNodeExporterFamilies } from './node-exporter.js';

/** The agent's own health, read live at scrape time. */
export interface SelfMetrics {
  outboxDepth: number;
  outboxBytes: number;
  dropped: number;
  collectorErrors: Record<string, number>;
}

/** Everything one scrape shows. */
export interface MetricsSnapshot {
  samples: Iterable<LatestSample>;
  inventory: Record<string, unknown>;
  node: string;
  cluster: string;
  self: SelfMetrics;
  /** Scrape time (ms); samples older than 5 minutes before it are left out. */
  now: number;
  /** `metrics.legacyHostnameLabel` and `metrics.nodeExporterNames`; both default as in the config. */
  options?: Partial<RenderOptions>;
}

export interface RenderOptions extends ExpositionOptions {
  /** Also export the host families under node_exporter's names. */
  nodeExporterNames: boolean;
}

/** A vanished GPU, process or sensor must not look alive on dashboards. */
export const STALE_MS = 5 * 60_000;

const AGENT_NAMES = new Set<string>(AGENT_METRICS.map((m) => m.name));

type Series = { labels: Record<string, string>; value: number };

function selfSeries(self: SelfMetrics): Map<string, Series[]> {
  return new Map<string, Series[]>([
    ['agent_outbox_depth', [{ labels: {}, value: self.outboxDepth }]],
    ['agent_outbox_bytes', [{ labels: {}, value: self.outboxBytes }]],
    ['agent_outbox_dropped_total', [{ labels: {}, value: self.dropped }]],
    [
      'agent_collector_errors_total',
      Object.entries(self.collectorErrors)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([collector, value]) => ({ labels: { collector }, value })),
    ],
  ]);
}

function addFamily(registry: Registry, def: MetricDef, node: string, series: Series[], gpus: Map<string, GpuInfo>, exposition: ExpositionOptions): void {
  if (series.length === 0) return;
  const f = familyOf(def, exposition);
  const opts = { name: f.name, help: f.help, labelNames: f.labelNames, registers: [registry] };
  if (f.type === 'counter') {
    const c = new Counter(opts);
    // A fresh registry per scrape: inc() from zero sets the counter's absolute value.
    for (const s of series) c.inc(f.labels(s.labels, node, gpus), Math.max(0, s.value * f.scale));
  } else {
    const g = new Gauge(opts);
    for (const s of series) g.set(f.labels(s.labels, node, gpus), s.value * f.scale);
  }
}

/**
 * Renders one scrape in the Prometheus text format: catalogue metrics from
 * the latest samples (fresh ones only), the agent's self-metrics, and
 * `kcloud_agent_info`. Pure: a new prom-client registry per call, nothing
 * kept between scrapes, so a series that went stale simply disappears.
 */
export async function renderMetrics(snap: MetricsSnapshot): Promise<{ text: string; contentType: string }> {
  const fresh = snap.now - STALE_MS;
  const byMetric = new Map<string, Series[]>();
  for (const s of snap.samples) {
    if (s.ts < fresh || AGENT_NAMES.has(s.metric)) continue;
    const list = byMetric.get(s.metric);
    if (list) list.push({ labels: s.labels, value: s.value });
    else byMetric.set(s.metric, [{ labels: s.labels, value: s.value }]);
  }
  for (const [metric, series] of selfSeries(snap.self)) byMetric.set(metric, series);

  const opts: RenderOptions = { legacyHostnameLabel: true, nodeExporterNames: false, ...snap.options };
  const registry = new Registry();
  const gpus = gpuInfoOf(snap.inventory);
  for (const def of METRICS) addFamily(registry, def, snap.node, byMetric.get(def.name) ?? [], gpus, opts);
  if (opts.nodeExporterNames) addNodeExporterFamilies(registry, (m) => byMetric.get(m) ?? []);
  const hosts = opts.legacyHostnameLabel ? { Hostname: snap.node, hostname: snap.node } : { hostname: snap.node };
  new Gauge({ name: 'kcloud_agent_info', help: 'Agent identity (always 1)', labelNames: [...Object.keys(hosts), 'cluster'], registers: [registry] }).set({ ...hosts, cluster: snap.cluster }, 1);
  return { text: await registry.metrics(), contentType: registry.contentType };
}
