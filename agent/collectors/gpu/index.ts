import { parseDuration } from '../../../shared/duration.js';
import type { AgentConfig } from '../../config.js';
import type { LineProcess } from '../line-process.js';
import type { CollectorDeps } from '../registry.js';
import type { Collector } from '../types.js';
import { queryFields, rowToSamples } from './fields.js';
import { InventoryRefresher } from './inventory-refresh.js';
import { checkFields, detectNvidiaSmi, gpuStream, supportedFields } from './source.js';

/** Besides start and a change of GPUs, the inventory (processes, MIG memory) is re-read this often. */
const INVENTORY_EVERY_MS = 10 * 60_000;

/**
 * NVIDIA GPUs through one long-running `nvidia-smi --query-gpu ... -lms`
 * process; inventory from `nvidia-smi -q -x` (or `-q`) beside it.
 */
export function createGpuCollector(config: AgentConfig, deps: CollectorDeps): Collector {
  const { nvidiaSmi } = config.collectors.gpu;
  const intervalMs = parseDuration(config.collectors.gpu.interval);
  let stream: LineProcess | undefined;
  let inventory: InventoryRefresher | undefined;
  return {
    name: 'gpu',
    detect: () => detectNvidiaSmi(nvidiaSmi),
    async start(sink) {
      inventory = new InventoryRefresher({ nvidiaSmi, sink, log: deps.log, everyMs: INVENTORY_EVERY_MS });
      inventory.start();
      const wanted = queryFields(await supportedFields(nvidiaSmi));
      const fields = await checkFields(nvidiaSmi, wanted, deps.log).catch((err: Error) => {
        sink.error(err);
        return wanted;
      });
      let uuids: string | undefined;
      stream = gpuStream({
        nvidiaSmi,
        fields,
        intervalMs,
        log: deps.log,
        onSet(rows, receivedAt) {
          sink.samples(rows.flatMap((r) => rowToSamples(r, receivedAt)));
          // A GPU that fell off the bus, or came back, changes the inventory.
          const now = rows.map((r) => r.uuid).sort().join(',');
          if (uuids !== undefined && now !== uuids) inventory?.refresh();
          uuids = now;
        },
      });
      stream.start();
    },
    async stop() {
      await inventory?.stop();
      await stream?.stop();
    },
  };
}
