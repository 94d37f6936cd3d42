import { parseDuration } from '../../../shared/duration.js';
import type { AgentConfig } from '../../config.js';
import type { LineProcess } from '../line-process.js';
import type { CollectorDeps } from '../registry.js';
import type { Collector, CollectorSink } from '../types.js';
import { queryFields, rowToSamples } from './fields.js';
import { dmonPcieUnsupported, pcieStream } from './dmon-source.js';
import { InventoryRefresher } from './inventory-refresh.js';
import { NvlinkPoller } from './nvlink-source.js';
import type { GpuInventory } from './inventory.js';
import { pcieSamples } from './pcie-fields.js';
import { checkFields, detectNvidiaSmi, gpuStream, supportedFields } from './source.js';
import { KernelLogXids } from './xid-source.js';

/** Besides start and a change of GPUs, the inventory (processes, MIG memory, PCIe replays) is re-read this often. */
// Below the 5-minute staleness of /metrics (agent/metrics/render.ts), so series only this read carries (MIG memory, PCIe replays) stay exported.
const INVENTORY_EVERY_MS = 4 * 60_000;

/**
 * NVIDIA GPUs through one long-running `nvidia-smi --query-gpu ... -lms`
 * process; inventory from `nvidia-smi -q -x` (or `-q`) beside it; PCIe
 * throughput, which no query field has, from a second long-running
 * `nvidia-smi dmon -s t` where the driver supports it. XIDs, which
 * nvidia-smi does not report, from the driver's lines in the kernel log
 * (`collectors.gpu.kernelLog`). NVLink throughput from a one-shot
 * `nvidia-smi nvlink -gt d` every `nvlinkInterval` where it gives counters.
 */
export function createGpuCollector(config: AgentConfig, deps: CollectorDeps): Collector {
  const { nvidiaSmi, kernelLog } = config.collectors.gpu;
  const intervalMs = parseDuration(config.collectors.gpu.interval);
  const nvlinkMs = Math.max(intervalMs, parseDuration(config.collectors.gpu.nvlinkInterval));
  let stream: LineProcess | undefined;
  let pcie: LineProcess | undefined;
  let pcieStarting: Promise<void> | undefined;
  let stopped = false;
  let inventory: InventoryRefresher | undefined;
  /** GPU index -> UUID from the query stream, to label dmon's rows (which carry only the index). */
  const uuidByIndex = new Map<string, string>();
  let xids: KernelLogXids | undefined;
  let nvlink: NvlinkPoller | undefined;
  let nvlinkStarting: Promise<void> | undefined;
  return {
    name: 'gpu',
    detect: () => detectNvidiaSmi(nvidiaSmi),
    async start(sink) {
      stopped = false;
      // One inventory section for the collector: the refresher's `gpus` plus what XIDs can be read (`gpuXid`).
      let gpuFacts: Record<string, unknown> | undefined;
      // Nothing before the first GPU read: an inventory with `gpuXid` but no `gpus` would tell the hub the GPUs are gone.
      const publishFacts = () => {
        const gpuXid = xids?.facts();
        if (gpuFacts) sink.inventory({ ...gpuFacts, ...(gpuXid ? { gpuXid } : {}) });
      };
      xids =
        kernelLog === ''
          ? undefined
          : new KernelLogXids({
              path: kernelLog,
              pollMs: intervalMs,
              log: deps.log,
              onSamples: (samples) => sink.samples(samples),
              onFacts: publishFacts,
              onError: (err) => sink.error(err),
            });
      const inventorySink: CollectorSink = {
        samples: (samples) => sink.samples(samples),
        error: (err) => sink.error(err),
        inventory(facts) {
          gpuFacts = facts;
          publishFacts();
          if (Array.isArray(facts.gpus)) xids?.setGpus(facts.gpus as GpuInventory[]);
        },
      };
      inventory = new InventoryRefresher({ nvidiaSmi, sink: inventorySink, log: deps.log, everyMs: INVENTORY_EVERY_MS });
      inventory.start();
      xids?.start();
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
          for (const r of rows) if (r.index !== undefined && r.uuid !== undefined) uuidByIndex.set(r.index, r.uuid);
          // A GPU that fell off the bus, or came back, changes the inventory.
          const now = rows.map((r) => r.uuid).sort().join(',');
          if (uuids !== undefined && now !== uuids) inventory?.refresh();
          uuids = now;
        },
      });
      stream.start();
      nvlink = new NvlinkPoller({ nvidiaSmi, everyMs: nvlinkMs, log: deps.log, onSamples: (samples) => sink.samples(samples) });
      nvlinkStarting = nvlink.start();
      // Probed beside the running stream, so a slow `dmon -c 1` delays nothing.
      pcieStarting = dmonPcieUnsupported(nvidiaSmi).then((why) => {
        if (stopped) return;
        if (why !== null) {
          deps.log.info({ reason: why }, 'nvidia-smi dmon -s t unsupported; no PCIe throughput from nvidia-smi');
          return;
        }
        pcie = pcieStream({
          nvidiaSmi,
          intervalMs,
          log: deps.log,
          onSet(rows, columns, receivedAt) {
            const samples = rows.flatMap((r) => pcieSamples(r, columns, (gpu) => uuidByIndex.get(gpu), receivedAt));
            if (samples.length > 0) sink.samples(samples);
          },
        });
        pcie.start();
      });
    },
    async stop() {
      stopped = true;
      await inventory?.stop();
      await stream?.stop();
      await pcieStarting;
      await pcie?.stop();
      await xids?.stop();
      await nvlink?.stop();
      await nvlinkStarting;
    },
  };
}
