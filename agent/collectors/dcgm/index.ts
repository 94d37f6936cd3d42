import { parseDuration } from '../../../shared/duration.js';
import type { AgentConfig } from '../../config.js';
import type { LineProcess } from '../line-process.js';
import type { CollectorDeps } from '../registry.js';
import type { Collector } from '../types.js';
import { DEFAULT_DMON_FIELDS, PER_INSTANCE_FIELDS, PROFILING_DMON_FIELDS } from './fields.js';
import type { DcgmGpu } from './parse-discovery.js';
import { rowsToSamples, type InstanceLabels } from './samples.js';
import { discoverGpus, discoverInstances, dmonStream } from './source.js';

/** How often the MIG hierarchy is re-read while dmon runs (as the nvidia-smi collector's inventory, under /metrics' 5-min staleness). */
const HIERARCHY_EVERY_MS = 4 * 60_000;

/**
 * NVIDIA GPUs through DCGM: one long-running `dcgmi dmon` stream. Publishes
 * the same metric names as the nvidia-smi collector; the agent config picks
 * one of the two (running both doubles every series).
 */
export function createDcgmCollector(config: AgentConfig, deps: CollectorDeps): Collector {
  const { dcgmi } = config.collectors.dcgm;
  const intervalMs = parseDuration(config.collectors.dcgm.interval);
  const fieldIds = config.collectors.dcgm.profiling ? [...DEFAULT_DMON_FIELDS, ...PROFILING_DMON_FIELDS] : DEFAULT_DMON_FIELDS;
  // Only the profiling fields are measured per MIG instance: without them there is nothing to read from `GPU-I` rows.
  const perInstance = fieldIds.some((id) => PER_INSTANCE_FIELDS.includes(id));
  let uuids = new Map<number, string>();
  let instances = new Map<number, InstanceLabels>();
  let stream: LineProcess | undefined;
  /** The MIG instance entity ids the running dmon watches (its `-i`). */
  let watching = '';
  let hierarchyTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  /** DCGM GPU id -> UUID, for the `uuid` label; re-read after dmon restarts (the host engine may have too). */
  const discover = async (onGpus?: (gpus: DcgmGpu[]) => void) => {
    const found = await discoverGpus(dcgmi);
    if (!found.ok) {
      deps.log.warn({ reason: found.reason }, 'dcgmi discovery failed; uuid labels stay as they were');
      return;
    }
    uuids = new Map(found.gpus.flatMap((g) => (g.uuid ? [[g.id, g.uuid] as const] : [])));
    onGpus?.(found.gpus);
    if (!perInstance) return;
    const mig = await discoverInstances(dcgmi);
    if (!mig.ok) {
      deps.log.warn({ reason: mig.reason }, 'dcgmi MIG hierarchy unreadable; per-instance labels stay as they were');
      return;
    }
    instances = mig.instances;
    if (mig.profileError) deps.log.warn({ reason: mig.profileError }, 'MIG profile names unreadable; per-instance series go without GPU_I_PROFILE');
  };

  return {
    name: 'dcgm',
    async detect() {
      const found = await discoverGpus(dcgmi);
      return found.ok ? { available: true, reason: `${dcgmi}: ${found.gpus.length} GPU(s)` } : { available: false, reason: found.reason };
    },
    async start(sink) {
      stopped = false;
      await discover((gpus) => sink.inventory({ dcgm: { gpus } }));
      const open = (): LineProcess => {
        watching = [...instances.keys()].join();
        const s = dmonStream({
          dcgmi,
          fieldIds,
          intervalMs,
          instanceIds: [...instances.keys()],
          log: deps.log,
          onSet: (rows) => {
            const samples = rowsToSamples(rows, fieldIds, uuids, Date.now(), instances);
            if (samples.length > 0) sink.samples(samples);
          },
          onExit: () => {
            if (!stopped && stream === s) void rediscover(s);
          },
        });
        return s;
      };
      // dmon resolves `-i` once, when it starts: a MIG reconfiguration (seen when dmon exits, or at the periodic
      // re-read) needs a new dmon watching the new instance entity ids.
      const rediscover = async (s: LineProcess) => {
        await discover();
        if (stopped || stream !== s || [...instances.keys()].join() === watching) return;
        stream = open();
        await s.stop();
        if (!stopped) stream.start();
      };
      stream = open();
      stream.start();
      if (perInstance) {
        hierarchyTimer = setInterval(() => {
          if (stream) void rediscover(stream);
        }, HIERARCHY_EVERY_MS);
        hierarchyTimer.unref();
      }
    },
    async stop() {
      stopped = true;
      clearInterval(hierarchyTimer);
      await stream?.stop();
    },
  };
}
