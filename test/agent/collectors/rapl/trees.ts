import { chmodSync, cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The real procfs powercap fixture (given to the project beside the checkout). */
export const TTAR = fileURLToPath(new URL('../../../../../shared/fixtures/rapl/procfs-sys-class-powercap.ttar', import.meta.url));
/** Where the ttar puts the powercap root, relative to the unpack directory. */
export const TTAR_ROOT = 'fixtures/sys/class/powercap';

/** A writable copy of one of test/fixtures/powercap/<name>, readable by every user (for the non-root probe). */
export function copyTree(name: 'two-socket-server' | 'client-mmio'): string {
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-powercap-'));
  chmodSync(dir, 0o755);
  const root = join(dir, name);
  cpSync(fileURLToPath(new URL(`../../../fixtures/powercap/${name}`, import.meta.url)), root, { recursive: true });
  return root;
}

/** Rewrites a zone's counter as the kernel would show it. */
export function setEnergy(root: string, zoneDir: string, energyUj: number): void {
  writeFileSync(join(root, zoneDir, 'energy_uj'), `${energyUj}\n`);
}
