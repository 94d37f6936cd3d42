import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { energyUsed, gpuMatchers, gpuPowerRequests, gpuTimeseries, minuteRange, rangeStats } from '../../fleet/gpu-history.js';
import { findGpu, listGpus, migDevices, type GpuView } from '../../fleet/gpus.js';
import type { NodeView } from '../../fleet/node-directory.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, notFound } from '../errors.js';
import type { RouteModule } from '../types.js';
import { envelope, type DataSource } from './envelope.js';
import { GpuListJson, type GpuListRow } from './gpu-list-json.js';
import { CommonQuery, NameSchema, paginate, resolveRange } from './params.js';
import { GpuDetailResponse, GpuListResponse, GpuMetricsResponse, GpuPowerResponse, GpuSummaryResponse, NpuListResponse } from './schemas/accelerators.js';
import { localPlan, planMetadata } from '../../remote-read/remote-read.js';

const TAGS = ['accelerators'];
const ACCESS = { access: 'metrics:read' } as const;
const MIB = 1024 * 1024;

const round = (n: number | null, digits = 3): number | null => (n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits);
const mib = (bytes: number | null | undefined) => (bytes === null || bytes === undefined ? null : round(bytes / MIB));
/** Bytes per second to megabits per second (the seed's `_mbps`). */
const mbps = (bytesPerSecond: number | null) => (bytesPerSecond === null ? null : round((bytesPerSecond * 8) / 1e6));
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const GPU_ID_DESCRIPTION =
  '`nvidia<N>` (nvidia-smi index N) or the GPU UUID. `nvidia<N>` exists once per node: when several nodes have it, pass `node` or the UUID; ' +
  'an id that still matches GPUs on several nodes answers 409 CONFLICT with the candidates in `error.details.candidates`.';

const GpuIdParams = Type.Object({ gpu_id: Type.String({ minLength: 1, maxLength: 80, description: GPU_ID_DESCRIPTION }) });
const NodeFilter = Type.Optional({ ...NameSchema, description: 'Only GPUs of this node (also disambiguates `nvidia<N>`)' });

/** Which GPU source a node's numbers come from, as power.ts decides it. */
const gpuSource = (n: NodeView): DataSource => (n.sources.dcgm?.enabled ? 'dcgm' : 'nvidia-smi');

function dataSource(nodes: readonly NodeView[]): DataSource {
  const set = new Set(nodes.map(gpuSource));
  return set.size === 1 ? [...set][0]! : set.size === 0 ? 'kcloud' : 'mixed';
}

/** An inventory fact the schema says is a string: the hub keeps inventories as agents sent them, and another type would fail the whole answer's serialisation. */
const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The static facts of a GPU (the list without include_metrics). */
function gpuFacts(g: GpuView) {
  return {
    gpu_id: g.gpuId,
    uuid: g.uuid,
    node: g.node,
    cluster: g.cluster,
    model: text(g.inventory?.name),
    driver_version: text(g.inventory?.driverVersion),
    cuda_version: text(g.inventory?.cudaVersion),
    memory_total_mb: mib(finite(g.inventory?.memoryTotalBytes) ?? g.readings.memoryTotalBytes),
    mig_mode: text(g.inventory?.migMode),
    status: g.status,
  };
}

/**
 * A row of the GPU list: the facts, the readings the seed's list example
 * shows even without include_metrics (its documented clients read them from
 * the plain list), and with include_metrics the rest. Properties are added
 * to the facts' object: spreading facts and readings into a new object cost
 * ~30x more (~15 ms for 400 GPUs, once per answer).
 */
function gpuListRow(g: GpuView, includeMetrics: boolean): GpuListRow {
  const r = g.readings;
  const row: Record<string, string | number | null> = gpuFacts(g);
  row.power_watts = r.powerWatts;
  row.temperature_celsius = r.temperatureCelsius;
  row.utilization_percent = r.utilizationPercent;
  row.memory_used_mb = mib(r.memoryUsedBytes);
  if (includeMetrics) {
    row.power_limit_watts = r.powerLimitWatts;
    row.memory_utilization_percent = r.memoryUtilizationPercent;
    row.process_count = g.processCount;
    row.last_sample_at = iso(r.ts);
  }
  return row;
}

function gpuDetail(g: GpuView) {
  const inv = g.inventory;
  return {
    ...gpuFacts(g),
    serial: inv?.serial ?? null,
    pci_bus_id: inv?.pciBusId ?? null,
    // Optional chaining throughout: the hub keeps inventories as agents sent them, and older agents lack these fields.
    architecture: inv?.architecture ?? null,
    compute_capability: inv?.computeCapability ?? null,
    // What GPU and slot support, as the seed's A30 example (4, 16); the link drops to gen 1 at idle, hence *_current apart.
    pcie_generation: inv?.pcieGeneration?.max ?? null,
    pcie_link_width: inv?.pcieLinkWidth?.max ?? null,
    pcie_generation_current: inv?.pcieGeneration?.current ?? null,
    pcie_link_width_current: inv?.pcieLinkWidth?.current ?? null,
    // No nvidia-smi output carries it (-q, -q -x and --help-query-gpu of drivers 418 to 610).
    memory_bus_width: null,
    ecc_enabled: inv?.eccEnabled ?? null,
    persistence_mode_enabled: inv?.persistenceModeEnabled ?? null,
    vbios_version: inv?.vbios ?? null,
    power_limit_watts: inv?.powerLimits?.enforcedWatts ?? g.readings.powerLimitWatts,
    power_default_watts: inv?.powerLimits?.defaultWatts ?? null,
    power_min_watts: inv?.powerLimits?.minWatts ?? null,
    power_max_watts: inv?.powerLimits?.maxWatts ?? null,
    mig_devices: migDevices(g).map((d) => ({
      index: d.index,
      uuid: d.uuid,
      profile: d.profile,
      gpu_instance_id: d.gpuInstanceId,
      compute_instance_id: d.computeInstanceId,
      multiprocessors: d.multiprocessors,
      memory_total_mb: mib(d.memoryTotalBytes),
      memory_used_mb: mib(d.memoryUsedBytes),
    })),
  };
}

/** Resolves `{gpu_id}` (see GPU_ID_DESCRIPTION) among the GPUs of registered nodes. */
function resolveGpu(deps: ApiDeps, gpuId: string, node: string | undefined): GpuView {
  const found = findGpu(listGpus(deps.fleet.nodes.list(), deps.fleet.latest, deps.fleet.freshSince()), gpuId, node);
  if (found.kind === 'found') return found.gpu;
  if (found.kind === 'none') throw notFound(node === undefined ? `GPU ${gpuId}` : `GPU ${gpuId} on node ${node}`);
  const candidates = found.candidates.map((g) => ({ node: g.node, cluster: g.cluster, gpu_id: g.gpuId, uuid: g.uuid }));
  throw new ApiError('CONFLICT', `gpu_id ${gpuId} matches GPUs on nodes ${[...new Set(candidates.map((c) => c.node))].join(', ')}: pass ?node= or use the UUID`, {
    parameter: 'gpu_id',
    candidates,
  });
}

const one = <D, M extends Record<string, unknown> = Record<never, never>>(request: FastifyRequest, deps: ApiDeps, resource: string, g: GpuView, data: D, metadata?: M) => {
  const node = deps.fleet.nodes.get(g.node);
  return envelope(request, resource, data, { cluster: g.cluster, dataSource: node ? gpuSource(node) : 'kcloud', ...(metadata ? { metadata } : {}) });
};

/** Per-step series of /gpus/{gpu_id}/metrics: field -> metric (averaged per step). */
const TIMESERIES = {
  power_watts: 'gpu_power_watts',
  temperature_celsius: 'gpu_temperature_celsius',
  utilization_percent: 'gpu_utilization_percent',
  memory_utilization_percent: 'gpu_memory_utilization_percent',
  memory_used_bytes: 'gpu_memory_used_bytes',
} as const;

/** kcloud-monitor-api §1 Accelerators: GPUs (nvidia-smi / DCGM via the agents) and the NPU placeholder. */
export const acceleratorsRoutes: RouteModule = (app, deps) => {
  const { fleet } = deps;
  const gpuListJson = new GpuListJson();

  app.get(
    '/accelerators/gpus',
    {
      config: ACCESS,
      schema: {
        tags: TAGS,
        summary: 'GPU list',
        description:
          'Every GPU of the registered nodes (inventory joined with the newest samples). status: `error` when the node is not online, the GPU has no sample ' +
          'within api.staleAfter, or its volatile uncorrected ECC count is above 0; `active` when a process holds it or utilization >= 1 %; `idle` otherwise. ' +
          'The seed\'s readings (power_watts, temperature_celsius, utilization_percent, memory_used_mb) are always there; include_metrics adds the rest. A reading older than api.staleAfter is null, never 0. memory_*_mb are MiB.',
        querystring: Type.Object({
          cluster: CommonQuery.cluster,
          node: NodeFilter,
          status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('idle'), Type.Literal('error')])),
          include_metrics: Type.Optional(Type.Boolean({ default: false })),
          limit: CommonQuery.limit,
          offset: CommonQuery.offset,
        }),
        response: GpuListResponse,
      },
    },
    async (request, reply) => {
      const q = request.query;
      const nodes = fleet.nodes.list({ cluster: q.cluster }).filter((n) => q.node === undefined || n.name === q.node);
      const gpus = listGpus(nodes, fleet.latest, fleet.freshSince()).filter((g) => q.status === undefined || g.status === q.status);
      const { page, metadata } = paginate(gpus, q);
      const data = page.map((g) => gpuListRow(g, q.include_metrics === true));
      const answer = envelope(request, 'gpu', [] as never[], { cluster: q.cluster, dataSource: dataSource(nodes), metadata });
      // Already JSON (the response schema's bytes, gpu-list-json.ts): Fastify sends a string of a JSON type as it is.
      const shape = q.include_metrics ? 'metrics' : 'list';
      const body = gpuListJson.serialize(answer, data, (row) => `${shape}\u0000${row.node}\u0000${row.uuid}`);
      // The type provider types send() by the schema's object; this is that object's JSON.
      return reply.type('application/json; charset=utf-8').send(body as never);
    },
  );

  app.get(
    '/accelerators/gpus/summary',
    {
      config: ACCESS,
      schema: {
        tags: TAGS,
        summary: 'GPU summary',
        description: 'Counts by status and totals of the current readings; totals and averages are over the GPUs with a fresh reading (null when none has one).',
        querystring: Type.Object({ cluster: CommonQuery.cluster, node: NodeFilter }),
        response: GpuSummaryResponse,
      },
    },
    async (request) => {
      const q = request.query;
      const nodes = fleet.nodes.list({ cluster: q.cluster }).filter((n) => q.node === undefined || n.name === q.node);
      const gpus = listGpus(nodes, fleet.latest, fleet.freshSince());
      const values = (pick: (g: GpuView) => number | null) => gpus.map(pick).filter((v): v is number => v !== null);
      const sum = (v: number[]) => (v.length ? round(v.reduce((a, b) => a + b, 0)) : null);
      const avg = (v: number[]) => (v.length ? round(v.reduce((a, b) => a + b, 0) / v.length) : null);
      // Memory totals only over GPUs with both readings, so the percentage compares like with like.
      const withMemory = gpus.filter((g) => g.readings.memoryUsedBytes !== null && g.readings.memoryTotalBytes !== null);
      const used = withMemory.reduce((a, g) => a + g.readings.memoryUsedBytes!, 0);
      const total = withMemory.reduce((a, g) => a + g.readings.memoryTotalBytes!, 0);
      const count = (s: GpuView['status']) => gpus.filter((g) => g.status === s).length;
      return envelope(
        request,
        'gpu_summary',
        {
          total_gpus: gpus.length,
          active_gpus: count('active'),
          idle_gpus: count('idle'),
          error_gpus: count('error'),
          total_power_watts: sum(values((g) => g.readings.powerWatts)),
          average_utilization_percent: avg(values((g) => g.readings.utilizationPercent)),
          average_temperature_celsius: avg(values((g) => g.readings.temperatureCelsius)),
          total_memory_mb: withMemory.length ? mib(total) : null,
          used_memory_mb: withMemory.length ? mib(used) : null,
          memory_utilization_percent: total > 0 ? round((used / total) * 100) : null,
          nodes: [...new Set(gpus.map((g) => g.node))],
        },
        { cluster: q.cluster, dataSource: dataSource(nodes) },
      );
    },
  );

  app.get(
    '/accelerators/gpus/:gpu_id',
    {
      config: ACCESS,
      schema: {
        tags: TAGS,
        summary: 'GPU details',
        description:
          `Inventory facts of one GPU. pcie_generation and pcie_link_width (lanes) are the maximum the GPU and its slot support; *_current is the link at the last inventory read ` +
          `(it slows down at idle). ecc_enabled and persistence_mode_enabled are the current modes. memory_bus_width is always null (nvidia-smi does not report it). ` +
          `gpu_id: ${GPU_ID_DESCRIPTION} Facts the agent does not report are null.`,
        params: GpuIdParams,
        querystring: Type.Object({ node: NodeFilter }),
        response: GpuDetailResponse,
      },
    },
    async (request) => {
      const g = resolveGpu(deps, request.params.gpu_id, request.query.node);
      return one(request, deps, 'gpu', g, gpuDetail(g));
    },
  );

  app.get(
    '/accelerators/gpus/:gpu_id/metrics',
    {
      config: ACCESS,
      schema: {
        tags: TAGS,
        summary: 'GPU metrics',
        description:
          `Current readings (null when older than api.staleAfter) and per-step averages from the store (default period 1h, step 5m; steps without samples are absent). ` +
          `pcie_throughput_*_mbps are megabits per second (DCGM only: nvidia-smi has no PCIe throughput field); fan_speed_rpm is null (GPUs report a percentage, see fan_speed_percent). gpu_id: ${GPU_ID_DESCRIPTION}`,
        params: GpuIdParams,
        querystring: Type.Object({ node: NodeFilter, period: CommonQuery.period, start_time: CommonQuery.start_time, end_time: CommonQuery.end_time, step: CommonQuery.step }),
        response: GpuMetricsResponse,
      },
    },
    async (request) => {
      const g = resolveGpu(deps, request.params.gpu_id, request.query.node);
      const range = resolveRange(request.query, { period: '1h', step: '5m' });
      // Steps start on multiples of the step, as dashboards expect (12:05, 12:10, ...).
      const start = Math.floor(range.start / range.step) * range.step;
      const r = g.readings;
      const matchers = gpuMatchers(g.node, g.uuid);
      // Steps beyond local retention (or all, per storage.remoteRead.mode) come from the remote store.
      const requests = Object.values(TIMESERIES).map((metric) => ({ metric, matchers, agg: 'avg' as const }));
      const plan = deps.remoteRead ? await deps.remoteRead.plan(deps.tsdb, requests, { start, end: range.end, step: range.step }) : localPlan(deps.tsdb);
      const rows = gpuTimeseries(plan.source, TIMESERIES, matchers, start, range.end, range.step);
      return one(
        request,
        deps,
        'gpu_metrics',
        g,
        {
          gpu_id: g.gpuId,
          uuid: g.uuid,
          node: g.node,
          current: {
            timestamp: iso(r.ts),
            power_watts: r.powerWatts,
            temperature_celsius: r.temperatureCelsius,
            memory_temperature_celsius: r.memoryTemperatureCelsius,
            gpu_utilization_percent: r.utilizationPercent,
            memory_utilization_percent: r.memoryUtilizationPercent,
            memory_used_mb: mib(r.memoryUsedBytes),
            memory_total_mb: mib(r.memoryTotalBytes),
            sm_clock_mhz: r.smClockMhz,
            memory_clock_mhz: r.memoryClockMhz,
            pcie_throughput_rx_mbps: mbps(r.pcieRxBytesPerSecond),
            pcie_throughput_tx_mbps: mbps(r.pcieTxBytesPerSecond),
            fan_speed_rpm: null,
            fan_speed_percent: r.fanSpeedPercent,
          },
          timeseries: rows.map(({ ts, values: v }) => ({
            timestamp: iso(ts),
            power_watts: round(v.power_watts),
            temperature_celsius: round(v.temperature_celsius),
            utilization_percent: round(v.utilization_percent),
            memory_utilization_percent: round(v.memory_utilization_percent),
            memory_used_mb: mib(v.memory_used_bytes),
          })),
        },
        { query: { period: range.period, step: range.stepText, start_time: iso(start), end_time: iso(range.end) }, ...planMetadata(plan) },
      );
    },
  );

  app.get(
    '/accelerators/gpus/:gpu_id/power',
    {
      config: ACCESS,
      schema: {
        tags: TAGS,
        summary: 'GPU power',
        description:
          'Current power (null when older than api.staleAfter), average/min/max over the period (default 1h) from the store (the minutes beyond local retention from storage.remoteRead: metadata.sources), the enforced limit and energy used. ' +
          'energy_method `counter`: increase of the gpu_energy_joules counter (DCGM); `power_integral`: Σ per-minute average power × 60 s (nvidia-smi has no energy counter). ' +
          `efficiency_gflops_per_watt is null: FLOPS are not measured. gpu_id: ${GPU_ID_DESCRIPTION}`,
        params: GpuIdParams,
        querystring: Type.Object({ node: NodeFilter, period: CommonQuery.period, start_time: CommonQuery.start_time, end_time: CommonQuery.end_time }),
        response: GpuPowerResponse,
      },
    },
    async (request) => {
      const g = resolveGpu(deps, request.params.gpu_id, request.query.node);
      const range = resolveRange(request.query, { period: '1h', step: '1m' });
      const matchers = gpuMatchers(g.node, g.uuid);
      // The minutes beyond local retention (or all, per storage.remoteRead.mode) come from the remote store.
      const plan = deps.remoteRead ? await deps.remoteRead.plan(deps.tsdb, gpuPowerRequests(matchers), minuteRange(range.start, range.end)) : localPlan(deps.tsdb);
      const stats = rangeStats(plan.source, 'gpu_power_watts', matchers, range.start, range.end);
      const energy = energyUsed(plan.source, matchers, range.start, range.end);
      const current = g.readings.powerWatts;
      const limit = g.readings.powerLimitWatts ?? g.inventory?.powerLimits?.enforcedWatts ?? null;
      return one(request, deps, 'gpu_power', g, {
        gpu_id: g.gpuId,
        uuid: g.uuid,
        node: g.node,
        current_power_watts: current,
        average_power_watts: round(stats.avg),
        max_power_watts: stats.max,
        min_power_watts: stats.min,
        power_limit_watts: limit,
        power_usage_percent: current !== null && limit ? round((current / limit) * 100) : null,
        energy_consumed_joules: round(energy.joules),
        energy_method: energy.method,
        efficiency_gflops_per_watt: null,
        period: range.period,
        start_time: iso(range.start),
        end_time: iso(range.end),
      }, planMetadata(plan));
    },
  );

  app.get(
    '/accelerators/npus',
    {
      config: ACCESS,
      schema: {
        tags: TAGS,
        summary: 'NPU list (placeholder)',
        description: 'No NPU collector exists yet: always an empty list.',
        querystring: Type.Object({ cluster: CommonQuery.cluster }),
        response: NpuListResponse,
      },
    },
    async (request) =>
      envelope(request, 'npu', [], {
        cluster: request.query.cluster,
        metadata: { total_count: 0, note: 'NPU monitoring (Furiosa AI, Rebellions) is not implemented: no agent collector reports NPUs yet.' },
      }),
  );
};
