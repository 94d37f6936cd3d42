import type { CostItem } from './cost-analysis.js';

/** One provider query's answer: its daily cost items and their currency. */
export interface ProviderCosts {
  items: CostItem[];
  currency: string | null;
}

export interface CostCacheOptions {
  /** An answer is served this long; the next query after it asks the provider again (0: every query asks). */
  ttlMs: number;
  /** Answers kept at most; the least recently used goes first. */
  maxEntries: number;
  now?: () => number;
}

/** A refreshed answer whose total differs from the one it replaced. */
export type CostChange = (before: ProviderCosts, after: ProviderCosts) => void;

const total = (c: ProviderCosts) => Math.round(c.items.reduce((a, i) => a + i.cost, 0) * 100);

/**
 * Provider cost answers per query (provider, account, date range: the
 * providers answer per day, so a range of days is the query's whole
 * identity). Cost Explorer charges per request and Cost Management
 * throttles per tenant, while their data changes a few times a day: an
 * answer younger than `ttlMs` is served again. A query made while the same
 * one is in flight waits for it. An older answer is kept (until the bound
 * pushes it out) only to tell whether its refresh changed the total, in
 * cents; errors are not kept.
 */
export class CostCache {
  private readonly entries = new Map<string, { at: number; value: ProviderCosts }>();
  private readonly inFlight = new Map<string, Promise<ProviderCosts>>();
  private readonly now: () => number;

  constructor(private readonly o: CostCacheOptions) {
    this.now = o.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string, fetch: () => Promise<ProviderCosts>, changed: CostChange): Promise<ProviderCosts> {
    const held = this.entries.get(key);
    if (held && this.now() - held.at < this.o.ttlMs) {
      // Most recently used last: the bound removes from the front.
      this.entries.delete(key);
      this.entries.set(key, held);
      return Promise.resolve(held.value);
    }
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = fetch()
        .then((value) => {
          const before = this.entries.get(key);
          this.entries.delete(key);
          if (this.entries.size >= this.o.maxEntries) this.entries.delete(this.entries.keys().next().value!);
          this.entries.set(key, { at: this.now(), value });
          if (before && total(before.value) !== total(value)) changed(before.value, value);
          return value;
        })
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }
}
