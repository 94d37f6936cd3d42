import type { KmsgRecord } from '../kmsg/parse-record.js';
import type { Sample } from '../types.js';
import type { GpuInventory } from './inventory.js';
import { parseXid, pciKey } from './parse-xid.js';

/** What the inventory says about XIDs on the nvidia-smi path (`gpuXid`). */
export type XidFacts =
  | { source: 'kernel-log'; path: string; available: true }
  | { source: 'kernel-log'; path: string; available: false; reason: string };

interface KnownGpu {
  gpu: string;
  uuid: string;
  pci: string;
}

/**
 * XIDs per GPU from the kernel log: the last XID's number (dcgm-exporter's
 * DCGM_FI_DEV_XID_ERRORS, 0 while the log holds none for the GPU) and how
 * many of each XID were logged. GPUs are matched by PCI bus id, which both
 * the XID line and the inventory carry; an XID of a bus id no inventory GPU
 * has (a GPU that fell off the bus and left the inventory) is kept and
 * exported again should that GPU come back.
 */
export class XidTracker {
  private gpus: KnownGpu[] = [];
  private readonly last = new Map<string, number>();
  private readonly counts = new Map<string, Map<number, number>>();

  /** The GPUs to export, from the latest inventory read (those without a readable bus id are left out). */
  setGpus(gpus: readonly Pick<GpuInventory, 'index' | 'uuid' | 'pciBusId'>[]): void {
    this.gpus = gpus.flatMap((g) => {
      const pci = pciKey(g.pciBusId);
      return pci === null ? [] : [{ gpu: String(g.index), uuid: g.uuid, pci }];
    });
  }

  /** Takes the XID lines among kernel log records; true when one was found. */
  add(records: readonly KmsgRecord[]): boolean {
    let found = false;
    for (const r of records) {
      // Only the kernel logs with facility 0: a line written to /dev/kmsg from user space cannot pose as the driver.
      const e = r.facility === 0 ? parseXid(r.message) : null;
      if (!e) continue;
      found = true;
      this.last.set(e.pci, e.xid);
      if (!this.counts.has(e.pci)) this.counts.set(e.pci, new Map());
      const byXid = this.counts.get(e.pci)!;
      byXid.set(e.xid, (byXid.get(e.xid) ?? 0) + 1);
    }
    return found;
  }

  samples(ts: number): Sample[] {
    const out: Sample[] = [];
    for (const g of this.gpus) {
      const labels = { gpu: g.gpu, uuid: g.uuid };
      out.push({ metric: 'gpu_xid_last', labels, value: this.last.get(g.pci) ?? 0, ts });
      for (const [xid, n] of this.counts.get(g.pci) ?? []) out.push({ metric: 'gpu_xid_errors_total', labels: { ...labels, xid: String(xid) }, value: n, ts });
    }
    return out;
  }
}
