import type { Logger } from '../../../shared/log.js';
import type { Clouds } from './clouds.js';

/** Runs `Clouds.reconcile()` every interval, one pass at a time; stop() waits for the pass in progress. */
export class CloudReconciler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly clouds: Clouds,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.timer) return;
    // Also at once: VMs left pending or terminating by a previous run are followed from the start.
    void this.pass();
    this.timer = setInterval(() => void this.pass(), this.intervalMs);
  }

  pass(): Promise<void> {
    this.running ??= this.clouds
      .reconcile()
      .catch((err: Error) => this.log.error({ err: err.message }, 'cloud reconcile pass failed'))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
