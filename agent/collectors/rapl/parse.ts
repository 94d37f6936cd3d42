/**
 * Pure RAPL (Linux powercap) logic. Layout and semantics:
 * ../shared/fixtures/rapl/README.md (kernel powercap docs, powercap_sys.c).
 */

/** Zone directories: `intel-rapl:0`, `intel-rapl:0:2`, `intel-rapl-mmio:0`; ids are hex (`intel-rapl:a` is package 10). */
export const ZONE_DIR = /^(intel-rapl(?:-mmio)?):([0-9a-f]+)(?::([0-9a-f]+))?$/;

export type RaplDomain = 'package' | 'core' | 'uncore' | 'dram' | 'psys' | 'other';

export interface ZoneReading {
  /** Directory name, e.g. `intel-rapl:0:2`. */
  dir: string;
  /** The zone's `name` file, e.g. `package-0`, `dram`. */
  name: string;
  domain: RaplDomain;
  /** Parent package zone's name for subzones (`package-0` for `intel-rapl:0:2`). */
  parent: string | null;
  energyUj: number;
  maxEnergyRangeUj: number;
}

/** The domain, always from the `name` file: subzone numbering is registration order and varies. */
export function domainOf(name: string): RaplDomain {
  if (/^package-\d+(-die-\d+)?$/.test(name)) return 'package';
  if (name === 'core' || name === 'uncore' || name === 'dram' || name === 'psys') return name;
  return 'other';
}

/** Parses a decimal counter file ("240422366267\n"); throws on anything else. */
export function parseCounter(text: string, file: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t)) throw new Error(`${file}: expected an unsigned integer, got ${JSON.stringify(t)}`);
  return Number(t);
}

/**
 * Energy used between two readings of a counter that wraps at
 * `max_energy_range_uj` (the MSR is 32-bit and wraps in minutes under load).
 */
export function energyDeltaUj(prev: number, cur: number, maxRange: number): number {
  return cur >= prev ? cur - prev : cur + maxRange - prev;
}

/** A zone's stable label value: its name, qualified by the parent package for subzones (`package-0/dram`). */
export function zoneLabel(z: Pick<ZoneReading, 'name' | 'parent'>): string {
  return z.parent ? `${z.parent}/${z.name}` : z.name;
}

/**
 * CPU power without double counting: packages (which include their core and
 * uncore subzones) plus DRAM; psys is the whole platform and overlaps both.
 */
export function cpuTotalWatts(zones: readonly { domain: RaplDomain; watts: number }[]): number {
  return zones.filter((z) => z.domain === 'package' || z.domain === 'dram').reduce((a, z) => a + z.watts, 0);
}
