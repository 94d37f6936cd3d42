import type { Sample } from '../types.js';
import type { NvlinkCounters } from './parse-nvlink.js';

/**
 * NVLink samples from successive `nvidia-smi nvlink -gt d` reads:
 * gpu_nvlink_bytes_total, the counter (transmitted + received payload over
 * all links), and gpu_nvlink_bytes_per_second, its rate between this read
 * and the previous one of the same GPU, for consumers that do not take
 * rates themselves (the counter is exported as dcgm-exporter's
 * DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL, typed `counter` there). A counter that
 * went down (`nvidia-smi nvlink -r`, a driver reload) gives no rate for that interval.
 */
export class NvlinkRates {
  private readonly previous = new Map<string, { bytes: number; ts: number }>();

  samples(gpus: readonly NvlinkCounters[], ts: number): Sample[] {
    const out: Sample[] = [];
    for (const g of gpus) {
      const labels = { gpu: String(g.index), uuid: g.uuid };
      const bytes = g.txBytes + g.rxBytes;
      out.push({ metric: 'gpu_nvlink_bytes_total', labels, value: bytes, ts });
      const before = this.previous.get(g.uuid);
      if (before && ts > before.ts && bytes >= before.bytes) out.push({ metric: 'gpu_nvlink_bytes_per_second', labels, value: ((bytes - before.bytes) * 1000) / (ts - before.ts), ts });
      this.previous.set(g.uuid, { bytes, ts });
    }
    return out;
  }
}
