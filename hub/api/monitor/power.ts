import { Type } from '@sinclair/typebox';
import { sumKnown, sumPower, type NodePower } from '../../fleet/power.js';
import { withPodLabels } from '../../integrations/kubernetes/pod-labels.js';
import { attributeGpuPower, type AttributionLevel } from '../../streams/gpu-attribution.js';
import { integratedPower, type IntegratedPower } from '../../streams/integrated-power.js';
import { localPlan, planMetadata } from '../../remote-read/remote-read.js';
import { powerSeries, powerSeriesRequests, summarizeSeries } from '../../streams/power-series.js';
import type { RouteModule } from '../types.js';
import { envelope, type DataSource } from './envelope.js';
import { CommonQuery, resolveRange } from './params.js';
import { IntegratedPowerResponse, PowerBreakdownResponse, PowerSeriesResponse } from './schemas/power.js';

const BREAKDOWN_BY = ['cluster', 'node', 'namespace', 'workload'] as const;

const PowerQuery = Type.Object({ cluster: CommonQuery.cluster });
const BreakdownQuery = Type.Object({
  cluster: CommonQuery.cluster,
  breakdown_by: Type.Optional(Type.Union(BREAKDOWN_BY.map((b) => Type.Literal(b)), { default: 'node' })),
});
const SeriesQuery = Type.Object({
  cluster: CommonQuery.cluster,
  period: CommonQuery.period,
  start_time: CommonQuery.start_time,
  end_time: CommonQuery.end_time,
  step: CommonQuery.step,
});

/** The envelope's data_source for a set of sources: the one there is, `mixed` for several. */
function dataSource(sources: IntegratedPower['sources']): DataSource {
  const names: Record<string, DataSource> = { 'nvidia-smi': 'nvidia-smi', dcgm: 'dcgm', rapl: 'rapl', bmc_dcmi: 'ipmi' };
  // A sum of components is no source of its own: its parts are listed already.
  const all = new Set([...sources.gpu, ...sources.cpu, ...sources.memory, ...sources.total].flatMap((s) => (names[s] ? [names[s]] : [])));
  if (all.size === 0) return 'kcloud';
  return all.size === 1 ? [...all][0]! : 'mixed';
}

const percentage = (watts: number | null, total: number | null) => (watts === null || !total ? null : Math.round((watts / total) * 10_000) / 100);

function components(n: Pick<NodePower, 'gpuWatts' | 'cpuWatts' | 'memoryWatts' | 'otherWatts'>) {
  return { gpu: n.gpuWatts, cpu: n.cpuWatts, memory: n.memoryWatts, other: n.otherWatts };
}

/** GET /monitoring/power, /monitoring/power/breakdown and /monitoring/timeseries/power (seed section 4.1-4.3). */
export const powerRoutes: RouteModule = (app, deps) => {
  app.get('/monitoring/power', { config: { access: 'metrics:read' }, schema: { tags: ['monitoring'], querystring: PowerQuery, response: IntegratedPowerResponse } }, async (request) => {
    const { data } = integratedPower(deps.fleet, { cluster: request.query.cluster });
    return envelope(request, 'integrated_power', data, { cluster: request.query.cluster, dataSource: dataSource(data.sources) });
  });

  app.get('/monitoring/power/breakdown', { config: { access: 'metrics:read' }, schema: { tags: ['monitoring'], querystring: BreakdownQuery, response: PowerBreakdownResponse } }, async (request) => {
    const { cluster } = request.query;
    const by = request.query.breakdown_by ?? 'node';
    const opts = { cluster, extra: { breakdown_by: by } };
    if (by === 'namespace' || by === 'workload') {
      const since = deps.fleet.freshSince();
      const gpus = deps.fleet.latest.select('gpu_power_watts', { cluster }, since);
      const processes = deps.fleet.latest.select('gpu_process_power_watts', { cluster }, since);
      // Namespaces and pod names of the watched pods where a Kubernetes connection knows their UIDs.
      const named = deps.kubernetes ? withPodLabels(processes, deps.kubernetes.currentPod) : processes;
      const buckets = attributeGpuPower(gpus, named, by as AttributionLevel);
      const total = sumKnown(buckets.map((b) => b.watts));
      const data = buckets.map((b) => ({
        namespace: b.namespace,
        ...(by === 'workload' ? { workload: b.pod } : {}),
        kind: b.kind,
        power_watts: b.watts,
        percentage: percentage(b.watts, total),
        ...(b.kind === 'unattributed' ? { gpu_count: b.members } : { process_count: b.members }),
      }));
      // Only GPU power is attributed to workloads (per-process splits exist for GPUs alone).
      return envelope(request, 'power_breakdown', data, { ...opts, extra: { ...opts.extra, summary: { total_power_watts: total, component: 'gpu', bucket_count: data.length } } });
    }
    const { nodes, data: fleet } = integratedPower(deps.fleet, { cluster });
    const source = dataSource(fleet.sources);
    if (by === 'node') {
      const data = nodes.map((n) => ({ node: n.node, cluster: n.cluster, power_watts: n.totalWatts, percentage: percentage(n.totalWatts, fleet.total_power_watts), components: components(n), sources: n.sources }));
      return envelope(request, 'power_breakdown', data, { ...opts, dataSource: source, extra: { ...opts.extra, summary: { total_power_watts: fleet.total_power_watts, node_count: nodes.length } } });
    }
    const clusters = new Map<string, NodePower[]>();
    for (const n of nodes) clusters.set(n.cluster, [...(clusters.get(n.cluster) ?? []), n]);
    const data = [...clusters.entries()].map(([name, members]) => {
      const t = sumPower(members);
      return { cluster: name, power_watts: t.totalWatts, percentage: percentage(t.totalWatts, fleet.total_power_watts), components: components(t), node_count: members.length };
    });
    return envelope(request, 'power_breakdown', data, { ...opts, dataSource: source, extra: { ...opts.extra, summary: { total_power_watts: fleet.total_power_watts, cluster_count: data.length, node_count: nodes.length } } });
  });

  app.get('/monitoring/timeseries/power', { config: { access: 'metrics:read' }, schema: { tags: ['monitoring'], querystring: SeriesQuery, response: PowerSeriesResponse } }, async (request) => {
    const range = resolveRange(request.query, { period: '1h', step: '1m' });
    // Steps beyond local retention (or all, per storage.remoteRead.mode) come from the remote store.
    const plan = deps.remoteRead ? await deps.remoteRead.plan(deps.tsdb, powerSeriesRequests(request.query.cluster), range) : localPlan(deps.tsdb);
    const points = powerSeries(plan.source, range, request.query.cluster);
    const query = { period: range.period, step: range.stepText, start_time: new Date(range.start).toISOString(), end_time: new Date(range.end).toISOString() };
    return envelope(request, 'power_timeseries', points, { cluster: request.query.cluster, extra: { query, summary: summarizeSeries(points) }, metadata: planMetadata(plan) });
  });
};
