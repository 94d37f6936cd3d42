import { computeAndFanOut } from './fan-out.js';
import { SlicedFanOut } from './sliced-fan-out.js';

/** Connects a trigger to whatever signals new data (the ingest bus); returns the function that disconnects it. */
export type TriggerSource = (trigger: () => void) => () => void;

/**
 * Push on ingest: every trigger (a stored telemetry batch) schedules one
 * computation for the next turn of the event loop (setImmediate), so all
 * the batches one group commit stores, or that otherwise arrive in the same
 * turn, make one value, computed once and handed to every subscriber. The
 * computation runs after every bus handler of the batch (the latest values
 * are updated by then). The value goes out in slices (sliced-fan-out.ts), so
 * the next batch is read and stored while hundreds of clients are written
 * to, and its value replaces the older one for the clients still waiting.
 * Listens to its source only while it has subscribers.
 */
export class LiveFeed<T> {
  private readonly listeners = new Set<(value: T) => void>();
  private readonly fanOut: SlicedFanOut<T>;
  private pending: NodeJS.Immediate | null = null;
  private detach: (() => void) | null = null;
  private readonly trigger = () => {
    this.pending ??= setImmediate(() => {
      this.pending = null;
      computeAndFanOut(this.compute, this.fanOut, this.onError);
    });
  };

  constructor(
    private readonly source: TriggerSource,
    private readonly compute: (now: number) => T,
    private readonly onError: (err: unknown) => void,
  ) {
    this.fanOut = new SlicedFanOut(this.listeners, onError);
  }

  /** Calls `listener` with the value computed after each turn that brought new data, until the returned function is called. */
  subscribe(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    this.detach ??= this.source(this.trigger);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Whether it listens to its source now (it has subscribers). */
  get active(): boolean {
    return this.detach !== null;
  }

  /** Drops every subscriber and a scheduled computation, and stops listening (hub shutdown). */
  stop(): void {
    this.listeners.clear();
    this.detach?.();
    this.detach = null;
    if (this.pending) clearImmediate(this.pending);
    this.pending = null;
    this.fanOut.stop();
  }
}
