import type { SlicedFanOut } from './sliced-fan-out.js';

/**
 * Computes a value once and sends it to every listener of `fanOut`. A failed
 * computation is reported and nobody gets anything this round; a listener
 * that throws is reported by the fan-out and the others still get the value.
 */
export function computeAndFanOut<T>(compute: (now: number) => T, fanOut: SlicedFanOut<T>, onError: (err: unknown) => void): void {
  let value: T;
  try {
    value = compute(Date.now());
  } catch (err) {
    onError(err);
    return;
  }
  fanOut.send(value);
}
