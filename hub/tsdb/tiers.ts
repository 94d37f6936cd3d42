import { RESOLUTION, TIERS, type Tier } from './options.js';

/**
 * The tier a range read uses: the coarsest one whose buckets fit the step
 * (resolution divides it) and whose retention still covers `start`. When no
 * fitting tier reaches back that far, the finest tier that does (coarser
 * points beat none); when none does, the longest-kept tier.
 */
export function chooseTier(retention: Record<Tier, number>, step: number, start: number, now: number): Tier {
  const covers = (t: Tier) => start >= now - retention[t];
  const fitting = TIERS.filter((t) => step >= RESOLUTION[t] && step % RESOLUTION[t] === 0);
  for (let i = fitting.length - 1; i >= 0; i--) if (covers(fitting[i]!)) return fitting[i]!;
  const covering = TIERS.find(covers);
  if (covering) return covering;
  return TIERS.reduce((a, b) => (retention[b] > retention[a] ? b : a));
}
