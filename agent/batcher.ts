import type { Sample } from '../shared/schema/message.js';

/**
 * Coalesces collector output into telemetry batches: one batch per
 * `intervalMs` (or sooner at `maxSamples`), so the outbox and the broker see
 * a few messages per second instead of one per collector run.
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
    this.pending.push(...samples);
    if (this.pending.length >= this.maxSamples) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.flushFn(batch);
  }
}
