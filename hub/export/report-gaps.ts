/** A run of report steps without samples: [from, to), `steps` steps long. */
export interface DataGap {
  /** `fleet` when no node sent anything, else `<cluster>/<node>`. */
  scope: string;
  from: number;
  to: number;
  steps: number;
}

/**
 * The steps of [start, end) on the step grid that count: those that had
 * ended at `now`, and the one under way when it already has data. A step
 * under way without data is not missing yet (its samples may still come).
 */
export function elapsedSteps(start: number, end: number, step: number, now: number, hasData: (t: number) => boolean): number[] {
  const out: number[] = [];
  for (let t = start; t < end && t < now; t += step) if (t + step <= now || hasData(t)) out.push(t);
  return out;
}

/**
 * Runs of consecutive steps for which `missing` holds, kept when `keep`
 * holds for some step of the run. A node's gap is listed only where the
 * fleet had data for some of it: the steps where nothing came from anyone
 * are the fleet's gaps, listed once rather than once per node.
 */
export function gapRuns(steps: readonly number[], step: number, scope: string, missing: (t: number) => boolean, keep: (t: number) => boolean = () => true): DataGap[] {
  const out: DataGap[] = [];
  let run: { from: number; n: number; kept: boolean } | null = null;
  const close = () => {
    if (run?.kept) out.push({ scope, from: run.from, to: run.from + run.n * step, steps: run.n });
    run = null;
  };
  for (const t of steps) {
    if (!missing(t)) {
      close();
      continue;
    }
    run ??= { from: t, n: 0, kept: false };
    run.n++;
    run.kept ||= keep(t);
  }
  close();
  return out;
}

/** 90 -> `1h 30m`: a gap's length as a reader takes it in. */
export function durationText(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  return [d ? `${d}d` : '', h ? `${h}h` : '', m || minutes === 0 ? `${m}m` : ''].filter(Boolean).join(' ');
}
