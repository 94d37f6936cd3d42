import type { Collector, CollectorSink, Detection, Sample } from './types.js';

export interface PollingSpec {
  name: string;
  intervalMs: number;
  detect(): Promise<Detection>;
  /** One collection run; the result is delivered to the sink. */
  collect(now: number): Promise<Sample[]>;
  /** Samples that report a failed run (e.g. `ipmi_up 0`), delivered besides the error. */
  failureSamples?(now: number): Sample[];
  /** Called once after a successful start, e.g. to publish inventory. */
  onStart?(sink: CollectorSink): Promise<void>;
}

/**
 * Turns a collect function into a Collector on its own timer. A run that is
 * still busy when the next tick comes makes that tick skip (no pile-up, no
 * overlap), so a slow BMC costs only its own samples.
 */
export function pollingCollector(spec: PollingSpec): Collector {
  let timer: NodeJS.Timeout | undefined;
  let busy = false;
  let stopped = false;

  async function runOnce(sink: CollectorSink): Promise<void> {
    if (busy || stopped) return;
    busy = true;
    const now = Date.now();
    try {
      const samples = await spec.collect(now);
      if (!stopped && samples.length > 0) sink.samples(samples);
    } catch (err) {
      if (stopped) return;
      sink.error(err as Error);
      const failed = spec.failureSamples?.(now) ?? [];
      if (failed.length > 0) sink.samples(failed);
    } finally {
      busy = false;
    }
  }

  return {
    name: spec.name,
    detect: () => spec.detect(),
    async start(sink) {
      stopped = false;
      if (spec.onStart) await spec.onStart(sink);
      void runOnce(sink);
      timer = setInterval(() => void runOnce(sink), spec.intervalMs);
      timer.unref?.();
    },
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
    },
  };
}
