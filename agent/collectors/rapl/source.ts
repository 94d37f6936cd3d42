import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { domainOf, parseCounter, ZONE_DIR, type ZoneReading } from './parse.js';

/** Reads every RAPL zone under a powercap root (`/sys/class/powercap` or a test tree). */
export async function readZones(root: string): Promise<ZoneReading[]> {
  const dirs = (await readdir(root)).filter((d) => ZONE_DIR.test(d)).sort();
  const names = new Map<string, string>();
  const zones: ZoneReading[] = [];
  for (const dir of dirs) {
    const path = join(root, dir);
    const name = (await readFile(join(path, 'name'), 'utf8')).trim();
    names.set(dir, name);
    const energyUj = parseCounter(await readFile(join(path, 'energy_uj'), 'utf8'), join(path, 'energy_uj'));
    const maxEnergyRangeUj = parseCounter(await readFile(join(path, 'max_energy_range_uj'), 'utf8'), join(path, 'max_energy_range_uj'));
    const m = ZONE_DIR.exec(dir)!;
    const parentDir = m[3] === undefined ? null : `${m[1]}:${m[2]}`;
    zones.push({ dir, name, domain: domainOf(name), parent: parentDir, energyUj, maxEnergyRangeUj });
  }
  // Parents sort before their subzones, so every parent name is known here.
  for (const z of zones) if (z.parent) z.parent = names.get(z.parent) ?? z.parent;
  return zones;
}
