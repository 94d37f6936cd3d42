import type { SampleColumns } from './chunk.js';

/** Sorted samples [from, to) of a pair of arrays (a decoded chunk or a head slice). */
export interface SampleRun {
  ts: Float64Array;
  values: Float64Array;
  from: number;
  to: number;
}

/** A whole decoded chunk as a run. */
export function runOf(c: SampleColumns): SampleRun {
  return { ts: c.ts, values: c.values, from: 0, to: c.ts.length };
}

/**
 * Merges two sorted runs into new arrays. On equal timestamps `older` wins:
 * it holds what was stored first (the sealed chunk), and the first write of
 * a (series, ts) is the one kept everywhere else too.
 */
export function mergeRuns(older: SampleRun | undefined, newer: SampleRun | undefined): SampleColumns {
  const a = older ?? EMPTY;
  const b = newer ?? EMPTY;
  const ts = new Float64Array(a.to - a.from + b.to - b.from);
  const values = new Float64Array(ts.length);
  let i = a.from;
  let j = b.from;
  let k = 0;
  while (i < a.to || j < b.to) {
    if (j >= b.to || (i < a.to && a.ts[i]! <= b.ts[j]!)) {
      if (j < b.to && a.ts[i] === b.ts[j]) j++;
      ts[k] = a.ts[i]!;
      values[k++] = a.values[i++]!;
    } else {
      ts[k] = b.ts[j]!;
      values[k++] = b.values[j++]!;
    }
  }
  return { ts: ts.subarray(0, k), values: values.subarray(0, k) };
}

const EMPTY: SampleRun = { ts: new Float64Array(0), values: new Float64Array(0), from: 0, to: 0 };
