import { runCommand } from '../run-command.js';
import { parseDuration } from '../../../shared/duration.js';
import type { AgentConfig } from '../../config.js';
import type { LineProcess } from '../line-process.js';
import type { CollectorDeps } from '../registry.js';
import type { Collector } from '../types.js';
import { EnergyAccumulator } from './attribution.js';
import type { ComputeApp } from './parse-compute-apps.js';
import type { PodResolver } from './pod-resolver.js';
import { processSamples, type GpuPower, type ProcessView } from './samples.js';
import { computeAppsStream, pmonStream } from './source.js';
import { WorkloadCache } from './workloads.js';

export type { PodResolver } from './pod-resolver.js';

export interface GpuProcessesDeps extends CollectorDeps {
  /** Pod namespace/name lookup; without it namespace, pod and container labels are empty and pod_uid is kept. */
  pods?: PodResolver;
}

/**
 * Per-process GPU memory, power and energy, mapped to containers and pods.
 * Reads one `nvidia-smi --query-compute-apps -lms` stream and one `pmon`
 * stream; GPU power comes from the gpu collector through `deps.latest`.
 */
export function createGpuProcessesCollector(config: AgentConfig, deps: GpuProcessesDeps): Collector {
  const { nvidiaSmi } = config.collectors.gpu;
  const intervalMs = parseDuration(config.collectors.gpu.interval);
  // A reading older than three intervals is gone: a process that exited, a GPU whose collector stalled.
  const staleMs = 3 * intervalMs;
  const pmonDelayS = Math.min(10, Math.max(1, Math.round(intervalMs / 1000)));
  const pmonStaleMs = 3 * pmonDelayS * 1000;
  const workloads = new WorkloadCache(config.procRoot, deps.log);
  const energy = new EnergyAccumulator(5 * intervalMs);
  let apps: { list: ComputeApp[]; ts: number } = { list: [], ts: 0 };
  const sm = new Map<string, { value: number | null; ts: number }>();
  const pmonGpus = new Map<string, { seen: number; numeric: number }>();
  let streams: LineProcess[] = [];
  let timer: NodeJS.Timeout | undefined;
  let busy = false;
  let stopped = false;

  /** pmon prints `-` both for "no kernel ran" and for "cannot measure" (MIG); a number anywhere, or a GPU-level utilisation reading, tells them apart. */
  const smMeasurable = (gpu: GpuPower, now: number): boolean => {
    const p = pmonGpus.get(gpu.gpu);
    if (!p || now - p.seen > pmonStaleMs) return false;
    if (now - p.numeric <= pmonStaleMs) return true;
    const util = deps.latest.get('gpu_utilization_percent', { gpu: gpu.gpu, uuid: gpu.uuid });
    return util !== undefined && now - util.ts <= staleMs;
  };

  const view = async (): Promise<ProcessView> => {
    const now = Date.now();
    const list = now - apps.ts <= staleMs ? apps.list : [];
    await workloads.refresh(new Set(list.map((a) => a.pid)));
    for (const [key, s] of sm) if (now - s.ts > pmonStaleMs) sm.delete(key);
    const power = deps.latest
      .ofMetric('gpu_power_watts')
      .filter((s) => now - s.ts <= staleMs && s.labels.uuid)
      .map((s) => ({ gpu: s.labels.gpu ?? '', uuid: s.labels.uuid!, watts: s.value }));
    return {
      ts: now,
      apps: list,
      power,
      smMeasurable: (gpu) => smMeasurable(gpu, now),
      smPercent: (gpu, pid) => sm.get(`${gpu}:${pid}`)?.value ?? null,
      workload: (pid) => workloads.get(pid),
      pods: deps.pods,
    };
  };

  return {
    name: 'gpu-processes',
    async detect() {
      const r = await runCommand(nvidiaSmi, ['--query-compute-apps=pid', '--format=csv,noheader'], { timeoutMs: 10_000 });
      if (r.exitCode !== 0) {
        const detail = (r.stdout || r.stderr || r.failure).trim().split('\n')[0];
        return { available: false, reason: `${nvidiaSmi} --query-compute-apps ${r.code === 'ENOENT' ? 'not found' : `failed (${detail})`}` };
      }
      return { available: true, reason: `${nvidiaSmi}: --query-compute-apps works` };
    },
    async start(sink) {
      stopped = false;
      streams = [
        computeAppsStream({ nvidiaSmi, intervalMs, log: deps.log, onSet: (list) => (apps = { list, ts: Date.now() }) }),
        pmonStream({
          nvidiaSmi,
          delayS: pmonDelayS,
          log: deps.log,
          onRow(row) {
            const now = Date.now();
            const gpu = String(row.gpu);
            const prev = pmonGpus.get(gpu);
            pmonGpus.set(gpu, { seen: now, numeric: row.sm !== null ? now : (prev?.numeric ?? 0) });
            if (row.pid !== null) sm.set(`${gpu}:${row.pid}`, { value: row.sm, ts: now });
          },
        }),
      ];
      for (const s of streams) s.start();
      timer = setInterval(() => {
        if (busy) return;
        busy = true;
        view()
          .then((v) => {
            const samples = processSamples(v, energy);
            if (samples.length > 0 && !stopped) sink.samples(samples);
          })
          .catch((err: Error) => !stopped && sink.error(err))
          .finally(() => (busy = false));
      }, intervalMs);
      timer.unref?.();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await Promise.all(streams.map((s) => s.stop()));
      streams = [];
    },
  };
}
