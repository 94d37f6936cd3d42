import type { Logger } from '../../../shared/log.js';
import { KmsgReader } from '../kmsg/reader.js';
import type { Sample } from '../types.js';
import type { GpuInventory } from './inventory.js';
import { XidTracker, type XidFacts } from './xid.js';

/**
 * The gpu collector's XIDs: follows the kernel log, matches XID lines to the
 * inventory's GPUs and says in the inventory whether the log can be read.
 * Samples go out when an XID arrives and with each inventory read (as the
 * PCIe replay counter, so the series stay under /metrics' staleness); none
 * while the log is unreadable, so an XID reading is never a made-up 0.
 */
export class KernelLogXids {
  private readonly tracker = new XidTracker();
  private readonly reader: KmsgReader;
  private state: XidFacts | undefined;
  private starting: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly opts: {
      path: string;
      pollMs: number;
      log: Logger;
      onSamples: (samples: Sample[]) => void;
      /** facts() changed: the collector re-publishes its inventory section. */
      onFacts: () => void;
      onError: (err: Error) => void;
    },
  ) {
    this.reader = new KmsgReader({
      path: opts.path,
      pollMs: opts.pollMs,
      onRecords: (records) => {
        if (this.tracker.add(records)) this.publish();
      },
      onError: (err) => {
        this.state = { source: 'kernel-log', path: opts.path, available: false, reason: err.message };
        opts.onFacts();
        opts.onError(err);
      },
    });
  }

  /** The inventory's `gpuXid`; undefined until the log was opened (or failed to). */
  facts(): XidFacts | undefined {
    return this.state;
  }

  /** The GPUs of the latest inventory read; sends their XID samples. */
  setGpus(gpus: readonly GpuInventory[]): void {
    this.tracker.setGpus(gpus);
    this.publish();
  }

  /** Opens the log and reads its backlog beside the caller (it can take a moment). */
  start(): void {
    this.starting = this.reader.start().then((why) => {
      if (this.stopped) return;
      if (why !== null) this.opts.log.warn({ reason: why }, 'kernel log unreadable; no XIDs without DCGM');
      const { path } = this.opts;
      this.state = why === null ? { source: 'kernel-log', path, available: true } : { source: 'kernel-log', path, available: false, reason: why };
      this.opts.onFacts();
      this.publish();
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting;
    await this.reader.stop();
  }

  private publish(): void {
    const samples = this.state?.available ? this.tracker.samples(Date.now()) : [];
    if (samples.length > 0) this.opts.onSamples(samples);
  }
}
