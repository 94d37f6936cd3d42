import type { Sample } from '../../shared/schema/message.js';

export type { Sample };

/** Where a collector delivers what it reads. */
export interface CollectorSink {
  /** Readings of one collection run; `ts` set on every sample. */
  samples(samples: Sample[]): void;
  /** Replaces this collector's inventory section (published retained when it changes). */
  inventory(facts: Record<string, unknown>): void;
  /** A failed run (counted, logged once per distinct message, and shown by `kcloud-agent status`). */
  error(err: Error): void;
}

/** Answer of a collector's probe for `enabled: auto`. */
export interface Detection {
  available: boolean;
  /** Why it is on or off, e.g. "nvidia-smi found at /usr/bin/nvidia-smi" or "no /sys/class/powercap/intel-rapl:* zones". */
  reason: string;
}

/**
 * A source of samples. Polled collectors run on their own timer and streaming
 * ones own a child process, so a slow source never delays another.
 */
export interface Collector {
  readonly name: string;
  /** Checks whether the source exists on this host (used for `enabled: auto`). */
  detect(): Promise<Detection>;
  start(sink: CollectorSink): Promise<void>;
  stop(): Promise<void>;
}
