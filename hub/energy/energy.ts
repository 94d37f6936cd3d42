/**
 * How an energy figure was obtained, one vocabulary for every API answer and
 * export: a device counter's increase (GPU total energy, RAPL), average power
 * integrated over time, or both across the parts of a sum.
 */
export type EnergyMethod = 'counter' | 'power_integral' | 'mixed';

const JOULES_PER_KWH = 3_600_000;

export interface Energy {
  kwh: number;
  method: EnergyMethod;
}

export interface EnergyPart {
  /** Average power over the step; null when no sample. */
  watts: number | null;
  /** Increase of the device's energy counter over the step; null when it has no counter there. */
  joules: number | null;
}

/**
 * Energy of one device over one step: its counter's increase when it has
 * one (the counter sees every joule between samples), else average power x
 * step; null without either.
 */
export function stepEnergy(p: EnergyPart, stepMs: number): Energy | null {
  if (p.joules !== null) return { kwh: p.joules / JOULES_PER_KWH, method: 'counter' };
  if (p.watts !== null) return { kwh: (p.watts * stepMs) / 1000 / JOULES_PER_KWH, method: 'power_integral' };
  return null;
}

/** Combines the methods of values added together. */
export function combineMethods(methods: Iterable<EnergyMethod | null>): EnergyMethod | null {
  const set = new Set([...methods].filter((m): m is EnergyMethod => m !== null));
  if (set.size === 0) return null;
  return set.size > 1 ? 'mixed' : [...set][0]!;
}

/** The sum of several energies (devices of a node, nodes of a cluster); null when none is known. */
export function addEnergy(parts: Iterable<Energy | null>): Energy | null {
  let kwh = 0;
  const methods: EnergyMethod[] = [];
  for (const p of parts) {
    if (p === null) continue;
    kwh += p.kwh;
    methods.push(p.method);
  }
  const method = combineMethods(methods);
  return method === null ? null : { kwh, method };
}
