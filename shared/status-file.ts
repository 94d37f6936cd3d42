import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Name of the state file both programs write into their dataDir for their `status` command. */
const FILE = 'status.json';

/** Writes `<dataDir>/status.json` atomically (write then rename), so a reader never sees half a file. */
export function writeStatusFile(dataDir: string, state: unknown): void {
  const tmp = join(dataDir, `${FILE}.tmp`);
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, join(dataDir, FILE));
}

/** The last `<dataDir>/status.json` written, or null when the program never ran with this dataDir. */
export function readStatusFile<T>(dataDir: string): T | null {
  try {
    return JSON.parse(readFileSync(join(dataDir, FILE), 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
