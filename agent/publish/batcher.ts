import type { Sample } from '../../shared/schema/message.js';

/**
 * Coalesces collector output into telemetry batches: one batch per
 * `intervalMs` (or at once at `maxSamples`), so the outbox and the broker see
 * about one message per second instead of one per collector run.
 */
export class Batcher {
  private pending: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly flushFn: (samples: Sample[]) => void,
    private readonly intervalMs = 1000,
    private readonly maxSamples = 5000,
  ) {}

  add(samples: readonly Sample[]): void {
    for (const s of samples) {
      // JSON turns NaN/Infinity into null, which the hub rejects with the whole batch.
      if (!Number.isFinite(s.value)) continue;
      this.pending.push(s);
      if (this.pending.length >= this.maxSamples) this.flush();
    }
    if (this.pending.length > 0 && !this.timer) this.timer = setTimeout(() => this.flush(), this.intervalMs);
  }

  /** Hands what is pending to the flush function now (also called on shutdown). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.flushFn(batch);
  }
}
