import type { Logger } from '../../../shared/log.js';
import type { CollectorSink } from '../types.js';
import { migSamples, withMigUtilization } from './mig.js';
import { readInventory, type InventoryRead } from './read-inventory.js';
import { pcieReplaySamples } from './replay-samples.js';

/**
 * Keeps the GPU inventory current: reads it at start, on a timer, and when
 * the stream shows a different set of GPUs. Reads never overlap; a change
 * seen during a read queues exactly one more. Each read also delivers the
 * per-MIG-instance memory and PCIe replay samples, which only `-q` / `-q -x` carry.
 */
export class InventoryRefresher {
  private inFlight: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private readonly warned = new Set<string>();
  private format: InventoryRead['format'] | undefined;

  constructor(
    private readonly opts: { nvidiaSmi: string; sink: CollectorSink; log: Logger; everyMs: number },
  ) {}

  start(): void {
    this.refresh();
    this.timer = setInterval(() => this.refresh(), this.opts.everyMs);
    this.timer.unref();
  }

  /** Asks for a fresh read (coalesced with one already running). */
  refresh(): void {
    if (this.stopped) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = this.readOnce().finally(() => {
      this.inFlight = null;
      if (this.again) {
        this.again = false;
        this.refresh();
      }
    });
  }

  private async readOnce(): Promise<void> {
    const { sink, log } = this.opts;
    try {
      const read = await readInventory(this.opts.nvidiaSmi, this.abort.signal);
      if (this.stopped) return;
      for (const w of read.warnings.filter((w) => !this.warned.has(w))) {
        this.warned.add(w);
        log.warn(w);
      }
      if (read.format !== this.format) log.info({ format: read.format, gpus: read.gpus.length }, `GPU inventory read from nvidia-smi ${read.format === 'xml' ? '-q -x' : '-q (no XML output)'}`);
      this.format = read.format;
      sink.inventory({ gpus: withMigUtilization(read.gpus).map((g) => g.inventory) });
      const now = Date.now();
      const samples = [...migSamples(read.gpus, now), ...pcieReplaySamples(read.gpus, now)];
      if (samples.length > 0) sink.samples(samples);
    } catch (err) {
      if (!this.stopped) sink.error(err as Error);
    }
  }

  /** Stops the timer and kills a read in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.abort.abort();
    await this.inFlight;
  }
}
