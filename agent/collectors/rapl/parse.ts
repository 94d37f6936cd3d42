/**
 * Pure RAPL (Linux powercap) logic: zone listing + file contents in, zones
 * and energy deltas out. Layout and semantics: ../shared/fixtures/rapl/README.md
 * (kernel powercap docs, powercap_sys.c, intel_rapl_common.c).
 */

/**
 * Zone directories: `intel-rapl:0`, `intel-rapl:0:2`, `intel-rapl-mmio:0`.
 * The ids are printed with `%x`, so package 10 is `intel-rapl:a`. The bare
 * control-type directory `intel-rapl` does not match.
 */
export const ZONE_DIR = /^(intel-rapl(?:-mmio)?):([0-9a-f]+)(?::([0-9a-f]+))?$/;

export type RaplDomain = 'package' | 'core' | 'uncore' | 'dram' | 'psys' | 'other';
export type RaplControlType = 'intel-rapl' | 'intel-rapl-mmio';

/** The raw text of one zone's files, as read from sysfs. */
export interface ZoneFiles {
  /** Directory name under the powercap root, e.g. `intel-rapl:0:2`. */
  dir: string;
  name: string;
  energyUj: string;
  maxEnergyRangeUj: string;
}

export interface RaplZone {
  /** Full path of the zone directory. */
  path: string;
  dir: string;
  controlType: RaplControlType;
  /** The zone's own id, hex-decoded: 10 for `intel-rapl:a`, 2 for `intel-rapl:0:2`. */
  id: number;
  /** The parent zone's id for subzones (0 for `intel-rapl:0:2`), else null. */
  parentId: number | null;
  /** The `name` file: `package-0`, `package-1-die-0`, `core`, `uncore`, `dram`, `psys`. */
  name: string;
  domain: RaplDomain;
  /** CPU package the zone belongs to, from its own or its parent's `package-N` name; null for psys. */
  packageIndex: number | null;
  /** Label value that names the zone uniquely: `package-0`, `package-0/dram`, `psys`, `mmio/package-0`. */
  label: string;
  energyUj: number;
  maxEnergyRangeUj: number;
}

/** Splits a zone directory name into control type and (hex) ids; null for anything else. */
export function parseZoneDir(dir: string): { controlType: RaplControlType; topId: number; subId: number | null } | null {
  const m = ZONE_DIR.exec(dir);
  if (!m) return null;
  return {
    controlType: m[1] as RaplControlType,
    topId: Number.parseInt(m[2]!, 16),
    subId: m[3] === undefined ? null : Number.parseInt(m[3], 16),
  };
}

/** Orders zone directories by control type (MSR before MMIO), package id, then subzone id, numerically. */
export function compareZoneDirs(a: string, b: string): number {
  const key = (dir: string) => {
    const d = parseZoneDir(dir);
    return d ? [d.controlType === 'intel-rapl' ? 0 : 1, d.topId, d.subId ?? -1] : [2, 0, 0];
  };
  const [ka, kb] = [key(a), key(b)];
  return ka[0]! - kb[0]! || ka[1]! - kb[1]! || ka[2]! - kb[2]!;
}

/** The domain, always from the `name` file: subzone numbering is registration order and varies. */
export function domainOf(name: string): RaplDomain {
  if (/^package-\d+(-die-\d+)?$/.test(name)) return 'package';
  if (name === 'core' || name === 'uncore' || name === 'dram' || name === 'psys') return name;
  return 'other';
}

/** Package index from a `package-N` / `package-N-die-M` name, else null. */
export function packageIndexOf(name: string): number | null {
  const m = /^package-(\d+)(?:-die-\d+)?$/.exec(name);
  return m ? Number(m[1]) : null;
}

/** Parses a decimal counter file ("240422366267\n"); throws on anything else (an empty or garbled read is not 0). */
export function parseCounter(text: string, file: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t)) throw new Error(`${file}: expected an unsigned integer, got ${JSON.stringify(t)}`);
  const n = Number(t);
  if (!Number.isSafeInteger(n)) throw new Error(`${file}: ${t} is beyond 2^53`);
  return n;
}

/** Zones parsed from sysfs, and the zones that could not be (read error, garbled counter). */
export interface ZoneScan {
  zones: RaplZone[];
  failed: { dir: string; error: string }[];
}

/**
 * Turns the files of every zone directory under `root` into zones, parents
 * resolved and sorted by control type, package id, subzone id (numerically,
 * so `intel-rapl:a` comes after `intel-rapl:2`). A zone whose counter is not
 * a number is reported in `failed`, never read as 0.
 */
export function parseZones(root: string, entries: readonly ZoneFiles[]): ZoneScan {
  const parsed = entries.flatMap((e) => {
    const d = parseZoneDir(e.dir);
    return d ? [{ e, d, name: e.name.trim() }] : [];
  });
  const topName = new Map(parsed.filter((p) => p.d.subId === null).map((p) => [`${p.d.controlType}:${p.d.topId}`, p.name]));
  const zones: RaplZone[] = [];
  const failed: ZoneScan['failed'] = [];
  for (const { e, d, name } of parsed) {
    const parentName = d.subId === null ? null : (topName.get(`${d.controlType}:${d.topId}`) ?? `${d.controlType}:${d.topId.toString(16)}`);
    const own = parentName === null ? name : `${parentName}/${name}`;
    try {
      zones.push({
        path: `${root.replace(/\/+$/, '')}/${e.dir}`,
        dir: e.dir,
        controlType: d.controlType,
        id: d.subId ?? d.topId,
        parentId: d.subId === null ? null : d.topId,
        name,
        domain: domainOf(name),
        packageIndex: packageIndexOf(name) ?? (parentName === null ? null : packageIndexOf(parentName)),
        // MMIO RAPL measures the same package as the MSR zone of the same name: keep the series apart.
        label: d.controlType === 'intel-rapl-mmio' ? `mmio/${own}` : own,
        energyUj: parseCounter(e.energyUj, `${e.dir}/energy_uj`),
        maxEnergyRangeUj: parseCounter(e.maxEnergyRangeUj, `${e.dir}/max_energy_range_uj`),
      });
    } catch (err) {
      failed.push({ dir: e.dir, error: (err as Error).message });
    }
  }
  zones.sort((a, b) => compareZoneDirs(a.dir, b.dir));
  return { zones, failed };
}

/**
 * Energy used between two readings of a counter that wraps at
 * `max_energy_range_uj` (the MSR is 32-bit and wraps in minutes under load):
 * when `cur < prev`, Δ = cur + max − prev.
 */
export function energyDelta(prev: number, cur: number, max: number): number {
  return cur >= prev ? cur - prev : cur + max - prev;
}

/** Average power in watts of `deltaUj` micro-joules over `deltaMs` milliseconds. */
export function powerWatts(deltaUj: number, deltaMs: number): number {
  return deltaUj / (deltaMs * 1000);
}

/** One zone's power, shaped like a `rapl_power_watts` sample's labels and value. */
export interface ZonePower {
  zone: string;
  domain: string;
  watts: number;
}

/**
 * CPU power without double counting: packages (which already include their
 * core and uncore subzones) plus DRAM (outside the package). psys is the
 * whole platform and overlaps both, so it is left out; MMIO zones repeat
 * the MSR packages and count only on hosts that have no MSR zones.
 */
export function cpuTotalWatts(zones: readonly ZonePower[]): number {
  const counted = zones.filter((z) => z.domain === 'package' || z.domain === 'dram');
  const msr = counted.filter((z) => !z.zone.startsWith('mmio/'));
  return (msr.length > 0 ? msr : counted).reduce((sum, z) => sum + z.watts, 0);
}
