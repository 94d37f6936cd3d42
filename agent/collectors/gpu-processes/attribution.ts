/**
 * Splits a GPU's board power across the processes on it, and integrates the
 * shares into per-process energy. Pure: no clocks, no I/O.
 *
 * Weights, per GPU, in order of preference:
 *  - `sm`: SM% from `nvidia-smi pmon` when the GPU can measure it. SM% is the
 *    share of time the process had kernels running, so a process gets
 *    P * sm/100 and the rest, P * (1 - Σsm/100), is the GPU's idle part. When
 *    Σsm exceeds 100 (MPS, overlapping samples) the shares are normalised.
 *  - `memory`: used GPU memory, when SM% is not measurable (MIG shows `-`).
 *    The whole power is split in proportion; memory is no time share.
 *  - `equal`: no weight at all (WDDM reports no per-process memory).
 * The unattributed part always goes to a synthetic process with pid "idle",
 * so per-process watts sum to the GPU's watts (to float rounding).
 */
export const IDLE_PID = 'idle';

export interface ProcessLoad {
  pid: string;
  /** SM% in the last pmon interval; null for `-`. */
  smPercent: number | null;
  memoryBytes: number | null;
}

export interface PowerShare {
  pid: string;
  watts: number;
}

export type Weighting = 'sm' | 'memory' | 'equal' | 'none';

/** The GPU's power split over its processes; the last share is always the idle one. */
export function splitGpuPower(gpuWatts: number, procs: readonly ProcessLoad[], smMeasurable: boolean): { weighting: Weighting; shares: PowerShare[] } {
  const { weighting, fractions } = weigh(procs, smMeasurable);
  const shares = procs.map((p, i) => ({ pid: p.pid, watts: gpuWatts * fractions[i]! }));
  let idle = gpuWatts - shares.reduce((sum, s) => sum + s.watts, 0);
  // Fractions summing to exactly 1 can leave -1e-13 here; hand that to the biggest share, never a negative idle.
  if (idle < 0 && shares.length > 0) {
    const biggest = shares.reduce((a, b) => (b.watts > a.watts ? b : a));
    biggest.watts += idle;
    idle = 0;
  }
  return { weighting, shares: [...shares, { pid: IDLE_PID, watts: idle }] };
}

function weigh(procs: readonly ProcessLoad[], smMeasurable: boolean): { weighting: Weighting; fractions: number[] } {
  if (procs.length === 0) return { weighting: 'none', fractions: [] };
  if (smMeasurable) {
    const sm = procs.map((p) => Math.max(0, p.smPercent ?? 0));
    const total = sm.reduce((a, b) => a + b, 0);
    return { weighting: 'sm', fractions: sm.map((s) => s / Math.max(100, total)) };
  }
  const mem = procs.map((p) => Math.max(0, p.memoryBytes ?? 0));
  const total = mem.reduce((a, b) => a + b, 0);
  if (total > 0) return { weighting: 'memory', fractions: mem.map((m) => m / total) };
  return { weighting: 'equal', fractions: procs.map(() => 1 / procs.length) };
}

interface GpuEnergy {
  lastTs: number;
  watts: number;
  /** series key -> watts of the previous step, held until this one (left Riemann). */
  split: Map<string, number>;
  totals: Map<string, number>;
  gpuJoules: number;
}

/**
 * Integrates each process's watts over time with a left Riemann sum: the
 * split seen at t(k-1) is held until t(k). Every step integrates the GPU's
 * power and its shares over the same interval, so Σ process energy equals
 * the GPU energy integrated the same way. An interval longer than `maxGapMs`
 * (agent suspended, nvidia-smi restarting) is skipped for the GPU and every
 * process alike, which keeps the sums equal.
 */
export class EnergyAccumulator {
  private readonly gpus = new Map<string, GpuEnergy>();

  constructor(private readonly maxGapMs: number) {}

  /**
   * Closes the interval since the GPU's previous step and opens the next with
   * the GPU's watts and their `split` (series key -> watts). Returns the total joules of every series in
   * the previous or the new split; series that left are reported one last time
   * and then forgotten.
   */
  step(gpu: string, ts: number, gpuWatts: number, split: ReadonlyMap<string, number>): Map<string, number> {
    let state = this.gpus.get(gpu);
    if (!state) {
      state = { lastTs: ts, watts: 0, split: new Map(), totals: new Map(), gpuJoules: 0 };
      this.gpus.set(gpu, state);
    }
    const dtS = (ts - state.lastTs) / 1000;
    const integrate = dtS > 0 && ts - state.lastTs <= this.maxGapMs;
    if (integrate) state.gpuJoules += state.watts * dtS;
    const out = new Map<string, number>();
    for (const [key, watts] of state.split) out.set(key, (state.totals.get(key) ?? 0) + (integrate ? watts * dtS : 0));
    for (const key of split.keys()) if (!out.has(key)) out.set(key, state.totals.get(key) ?? 0);
    state.totals = new Map([...out].filter(([key]) => split.has(key)));
    state.split = new Map(split);
    state.watts = gpuWatts;
    state.lastTs = ts;
    return out;
  }

  /** The GPU's energy over the integrated intervals. */
  gpuJoules(gpu: string): number {
    return this.gpus.get(gpu)?.gpuJoules ?? 0;
  }
}
