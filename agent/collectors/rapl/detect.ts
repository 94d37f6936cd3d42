import type { Detection } from '../types.js';
import { errnoCode, listZoneDirs, RaplPermissionError, readZones, type FileReader } from './source.js';

/**
 * Whether RAPL can be read under `root`. No powercap directory or no zones
 * is the normal "not on this host" (no RAPL driver, or an AMD CPU on a
 * kernel older than its intel_rapl match entry); root-only counters are
 * "off" with the one reason an operator needs.
 */
export async function detectRapl(root: string, read?: FileReader): Promise<Detection> {
  let dirs: string[];
  try {
    dirs = await listZoneDirs(root);
  } catch (err) {
    const why = errnoCode(err) === 'ENOENT' ? 'does not exist' : `cannot be listed (${(err as Error).message})`;
    return { available: false, reason: `not on this host: ${root} ${why} (no RAPL driver loaded, or a CPU it does not support)` };
  }
  if (dirs.length === 0) return { available: false, reason: `not on this host: no intel-rapl zones under ${root}` };
  try {
    const { zones, failed } = await readZones(root, read);
    if (zones.length === 0) return { available: false, reason: `no readable RAPL zone under ${root}: ${failed.map((f) => f.error).join('; ')}` };
    return { available: true, reason: `${zones.length} RAPL zones under ${root} (${zones.map((z) => z.label).join(', ')})` };
  } catch (err) {
    if (err instanceof RaplPermissionError) return { available: false, reason: err.message };
    throw err;
  }
}
