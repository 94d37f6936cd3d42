import { parseDuration } from '../../../shared/duration.js';
import type { AgentConfig } from '../../config.js';
import type { LineProcess } from '../line-process.js';
import type { CollectorDeps } from '../registry.js';
import type { Collector } from '../types.js';
import { DEFAULT_DMON_FIELDS, PROFILING_DMON_FIELDS } from './fields.js';
import type { DcgmGpu } from './parse-discovery.js';
import { rowsToSamples } from './samples.js';
import { discoverGpus, dmonStream } from './source.js';

/**
 * NVIDIA GPUs through DCGM: one long-running `dcgmi dmon` stream. Publishes
 * the same metric names as the nvidia-smi collector; the agent config picks
 * one of the two (running both doubles every series).
 */
export function createDcgmCollector(config: AgentConfig, deps: CollectorDeps): Collector {
  const { dcgmi } = config.collectors.dcgm;
  const intervalMs = parseDuration(config.collectors.dcgm.interval);
  const fieldIds = config.collectors.dcgm.profiling ? [...DEFAULT_DMON_FIELDS, ...PROFILING_DMON_FIELDS] : DEFAULT_DMON_FIELDS;
  let uuids = new Map<number, string>();
  let stream: LineProcess | undefined;
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
      stream = dmonStream({
        dcgmi,
        fieldIds,
        intervalMs,
        log: deps.log,
        onSet: (rows) => {
          const samples = rowsToSamples(rows, fieldIds, uuids, Date.now());
          if (samples.length > 0) sink.samples(samples);
        },
        onExit: () => {
          if (!stopped) void discover();
        },
      });
      stream.start();
    },
    async stop() {
      stopped = true;
      await stream?.stop();
    },
  };
}
