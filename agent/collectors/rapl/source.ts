import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareZoneDirs, parseZoneDir, parseZones, type ZoneFiles, type ZoneScan } from './parse.js';

/** Reads one sysfs file as text; injectable so tests can stand in for a kernel that denies access. */
export type FileReader = (path: string) => Promise<string>;

// Synchronous: a sysfs attribute is answered from the kernel at once (energy_uj is one MSR read), and fs/promises'
// open/stat/read/close round trips through the thread pool made these ten reads a second ~10 % of the agent's CPU.
const readText: FileReader = async (path) => readFileSync(path, 'utf8');

/** What `detect()` says, and every failed run repeats, when the counters are root-only. */
export const ROOT_ONLY_REASON = 'energy_uj is readable by root only; run the agent with CAP_DAC_READ_SEARCH or as root — see README';

/** energy_uj could not be read for lack of permission (mode 0400 since CVE-2020-8694). */
export class RaplPermissionError extends Error {
  constructor(readonly path: string) {
    super(`${ROOT_ONLY_REASON} (denied: ${path})`);
    this.name = 'RaplPermissionError';
  }
}

/** The errno code of a failed fs call (`ENOENT`, `EACCES`, ...). */
export function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : undefined;
}

function errnoPath(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'path' in err && typeof err.path === 'string' ? err.path : undefined;
}

/** The zone directory names under a powercap root, in zone order; throws ENOENT when the root is missing. */
export async function listZoneDirs(root: string): Promise<string[]> {
  return readdirSync(root).filter((d) => parseZoneDir(d) !== null).sort(compareZoneDirs);
}

/**
 * Reads every RAPL zone under a powercap root (`/sys/class/powercap` or a
 * test tree), `intel-rapl-mmio:*` included. A zone whose files fail to read
 * (the kernel answers a failing show callback with EINVAL/ENODATA) is
 * skipped and reported; a permission error stops the scan, since then every
 * zone's counter is unreadable.
 */
export async function readZones(root: string, read: FileReader = readText): Promise<ZoneScan> {
  const files: ZoneFiles[] = [];
  const failed: ZoneScan['failed'] = [];
  for (const dir of await listZoneDirs(root)) {
    const path = join(root, dir);
    try {
      const name = await read(join(path, 'name'));
      const maxEnergyRangeUj = await read(join(path, 'max_energy_range_uj'));
      files.push({ dir, name, maxEnergyRangeUj, energyUj: await read(join(path, 'energy_uj')) });
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'EACCES' || code === 'EPERM') throw new RaplPermissionError(errnoPath(err) ?? join(path, 'energy_uj'));
      failed.push({ dir, error: (err as Error).message });
    }
  }
  const scan = parseZones(root, files);
  return { zones: scan.zones, failed: [...failed, ...scan.failed] };
}
