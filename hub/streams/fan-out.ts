/**
 * Computes a value once and hands it to every listener. A listener that
 * throws is reported and the others still get the value; a failed
 * computation is reported and nobody gets anything this round.
 */
export function computeAndFanOut<T>(compute: (now: number) => T, listeners: ReadonlySet<(value: T) => void>, onError: (err: unknown) => void): void {
  let value: T;
  try {
    value = compute(Date.now());
  } catch (err) {
    onError(err);
    return;
  }
  // A copy: a listener may unsubscribe (a socket closing) while we iterate.
  for (const l of [...listeners]) {
    try {
      l(value);
    } catch (err) {
      onError(err);
    }
  }
}
