import type { HubBus } from '../bus.js';
import type { HubDb } from '../core/db.js';
import type { Tsdb } from '../tsdb/store.js';
import { METRICS } from '../../shared/metrics/index.js';
import { LatestValues } from './latest-values.js';
import { NodeDirectory } from './node-directory.js';

/** The hub's in-memory view of the fleet: nodes and the newest value of every series. */
export interface Fleet {
  nodes: NodeDirectory;
  latest: LatestValues;
  /** A sample older than this (ms) is not "current": its node stopped reporting it. */
  staleMs: number;
  /** `now - staleMs`: pass as `since` to LatestValues.select for current values. */
  freshSince(now?: number): number;
  close(): void;
}

/** Builds the fleet view from hub.db and the store, then keeps it current from the bus. */
export function openFleet(db: HubDb, tsdb: Tsdb, bus: HubBus, staleMs: number, now = Date.now()): Fleet {
  const nodes = new NodeDirectory(db, bus);
  const latest = new LatestValues();
  latest.seed(tsdb, METRICS.map((m) => m.name), now - staleMs, now);
  bus.on('samples', ({ rows }) => latest.update(rows));
  nodes.onRemoved((name) => latest.forgetNode(name));
  return {
    nodes,
    latest,
    staleMs,
    freshSince: (at = Date.now()) => at - staleMs,
    close: () => nodes.close(),
  };
}
