import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeZone {
  dir: string;
  name: string;
  energyUj: number;
  maxEnergyRangeUj?: number;
}

/** A fake /sys/class/powercap tree; `set` changes a zone's energy counter. */
export function fakePowercap(zones: FakeZone[], root = mkdtempSync(join(tmpdir(), 'kcloud-powercap-'))) {
  for (const z of zones) {
    mkdirSync(join(root, z.dir), { recursive: true });
    writeFileSync(join(root, z.dir, 'name'), `${z.name}\n`);
    writeFileSync(join(root, z.dir, 'max_energy_range_uj'), `${z.maxEnergyRangeUj ?? 262143328850}\n`);
    writeFileSync(join(root, z.dir, 'energy_uj'), `${z.energyUj}\n`);
  }
  return {
    root,
    /** Replaces the counter atomically: a sysfs read never sees half a value, so the fake must not either. */
    set(dir: string, energyUj: number) {
      const tmp = join(root, dir, '.energy_uj.tmp');
      writeFileSync(tmp, `${energyUj}\n`);
      renameSync(tmp, join(root, dir, 'energy_uj'));
    },
  };
}

/** An agent config's `collectors:` block that reads only the RAPL tree at `root` (a fakePowercap): the end-to-end tests' one source of samples. */
export function raplOnlyCollectors(root: string, interval = '100ms'): string {
  return `collectors:
  gpu: { enabled: false }
  dcgm: { enabled: false }
  ipmi: { enabled: false }
  host: { enabled: false }
  rapl: { enabled: true, interval: ${interval}, root: ${root} }
`;
}
