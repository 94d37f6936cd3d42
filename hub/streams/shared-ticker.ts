import { computeAndFanOut } from './fan-out.js';
import { SlicedFanOut } from './sliced-fan-out.js';

interface Ticker<T> {
  timer: NodeJS.Timeout;
  listeners: Set<(value: T) => void>;
  fanOut: SlicedFanOut<T>;
}

/**
 * One timer per interval, shared by every subscriber of that interval: each
 * tick computes the value once and hands it to all of them (a thousand
 * dashboards at 5 s cost one snapshot per 5 s). A timer runs only while its
 * interval has subscribers. A tick goes out in slices (sliced-fan-out.ts),
 * so a thousand sockets to write do not hold ingest up.
 */
export class SharedTickers<T> {
  private readonly tickers = new Map<number, Ticker<T>>();

  constructor(
    private readonly compute: (now: number) => T,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Calls `listener` every `intervalMs` with the shared value until the returned function is called. */
  subscribe(intervalMs: number, listener: (value: T) => void): () => void {
    let ticker = this.tickers.get(intervalMs);
    if (!ticker) {
      const listeners = new Set<(value: T) => void>();
      const fanOut = new SlicedFanOut(listeners, this.onError);
      ticker = { listeners, fanOut, timer: setInterval(() => computeAndFanOut(this.compute, fanOut, this.onError), intervalMs) };
      this.tickers.set(intervalMs, ticker);
    }
    const t = ticker;
    t.listeners.add(listener);
    return () => {
      t.listeners.delete(listener);
      if (t.listeners.size === 0 && this.tickers.get(intervalMs) === t) {
        clearInterval(t.timer);
        t.fanOut.stop();
        this.tickers.delete(intervalMs);
      }
    };
  }

  /** Intervals with a running timer (for tests and the hub's own metrics). */
  intervals(): number[] {
    return [...this.tickers.keys()];
  }

  stop(): void {
    for (const t of this.tickers.values()) {
      clearInterval(t.timer);
      t.fanOut.stop();
    }
    this.tickers.clear();
  }
}
