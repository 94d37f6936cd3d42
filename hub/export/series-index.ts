import type { Labels } from '../../shared/schema/message.js';
import type { ResultSeries } from '../../shared/query/types.js';

/** Values per step (ms -> value) of one row key. */
export type StepValues = Map<number, number>;

/**
 * Adds up, per key and step, the points of the series that `key` maps to the
 * same key (null: skip the series). Points before `from` are dropped: counter
 * queries start one step early only so the window's first step gets the
 * increase across its left edge.
 */
export function sumBy(results: readonly ResultSeries[], key: (labels: Labels) => string | null, from: number): Map<string, StepValues> {
  const out = new Map<string, StepValues>();
  for (const s of results) {
    const k = key(s.labels);
    if (k === null) continue;
    let steps = out.get(k);
    if (!steps) out.set(k, (steps = new Map()));
    for (const [ts, v] of s.points) if (ts >= from) steps.set(ts, (steps.get(ts) ?? 0) + v);
  }
  return out;
}

/** Row key of a node; `\u0000` cannot appear in a name (NAME_PATTERN). */
export const nodeKey = (labels: Labels): string => `${labels.cluster ?? ''}\u0000${labels.node ?? ''}`;

export function splitKey(key: string): string[] {
  return key.split('\u0000');
}

/** Every step of a window at which any of the maps has a value, ascending. */
export function stepsOf(maps: Iterable<Map<number, unknown> | undefined>): number[] {
  const all = new Set<number>();
  for (const m of maps) if (m) for (const ts of m.keys()) all.add(ts);
  return [...all].sort((a, b) => a - b);
}

const collator = new Intl.Collator('en', { numeric: true });

/** Keys in natural order (gpu-2 before gpu-10). */
export function sortedKeys(keys: Iterable<string>): string[] {
  return [...keys].sort(collator.compare);
}

/** Rounds to `digits` decimals; null stays null. */
export function round(v: number | null, digits: number): number | null {
  if (v === null) return null;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
