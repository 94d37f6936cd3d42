import { RESOLUTION, TIERS, type Tier } from '../tsdb/options.js';
import type { RemoteReadMode } from './config.js';

/**
 * Where a range read [start, end) passes from the remote store to the local
 * one: steps before the cut are read remotely, the rest locally. In
 * `beyond-retention` mode the cut is the oldest time the local store still
 * holds for the step: now minus the longest retention among the tiers whose
 * resolution fits the step (the tier chooseTier then reads from), moved up
 * to a step boundary so no step is split between the stores. `always`: the
 * whole range is remote. Returns `start` when nothing is remote.
 */
export function splitPoint(range: { start: number; end: number; step: number }, retention: Record<Tier, number>, now: number, mode: RemoteReadMode): number {
  const { start, end, step } = range;
  if (mode === 'always') return end;
  const fitting = TIERS.filter((t) => step >= RESOLUTION[t] && step % RESOLUTION[t] === 0);
  const kept = Math.max(...fitting.map((t) => retention[t]));
  const oldest = now - kept;
  if (oldest <= start) return start;
  const cut = start + Math.ceil((oldest - start) / step) * step;
  return Math.min(cut, end);
}
