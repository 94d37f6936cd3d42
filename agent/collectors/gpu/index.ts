import { execa } from 'execa';
import { parseDuration } from '../../../shared/duration.js';
import type { AgentConfig } from '../../config.js';
import type { CollectorDeps } from '../registry.js';
import type { Collector } from '../types.js';
import type { LineProcess } from '../line-process.js';
import { queryFields, rowToSamples } from './fields.js';
import { inventoryFromRows } from './inventory.js';
import { gpuStream, supportedFields } from './source.js';

/** NVIDIA GPUs through one long-running `nvidia-smi --query-gpu ... -lms` process. */
export function createGpuCollector(config: AgentConfig, deps: CollectorDeps): Collector {
  const { nvidiaSmi } = config.collectors.gpu;
  const intervalMs = parseDuration(config.collectors.gpu.interval);
  let stream: LineProcess | undefined;
  return {
    name: 'gpu',
    async detect() {
      const r = await execa(nvidiaSmi, ['-L'], { reject: false, timeout: 10_000 });
      if (r.failed || r.exitCode !== 0) {
        const detail = String(r.stdout || r.stderr || r.shortMessage || '').trim().split('\n')[0];
        const why = r.code === 'ENOENT' ? 'not found' : `failed (${detail})`;
        return { available: false, reason: `${nvidiaSmi} ${why}` };
      }
      const n = r.stdout.split('\n').filter((l) => l.startsWith('GPU ')).length;
      return { available: true, reason: `${nvidiaSmi}: ${n} GPU(s)` };
    },
    async start(sink) {
      const fields = queryFields(await supportedFields(nvidiaSmi));
      let lastInventory = '';
      stream = gpuStream({
        nvidiaSmi,
        fields,
        intervalMs,
        log: deps.log,
        onSet(rows) {
          const ts = Date.now();
          sink.samples(rows.flatMap((r) => rowToSamples(r, ts)));
          const gpus = inventoryFromRows(rows);
          const key = JSON.stringify(gpus);
          if (key !== lastInventory) {
            lastInventory = key;
            sink.inventory({ gpus });
          }
        },
      });
      stream.start();
    },
    async stop() {
      await stream?.stop();
    },
  };
}
