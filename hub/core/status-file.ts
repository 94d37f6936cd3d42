import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IngestSnapshot } from '../ingest/counters.js';

/** What the running hub writes to `<dataDir>/status.json` every 2 s for `kcloud-hub status`. */
export interface HubState {
  pid: number;
  startedAt: number;
  updatedAt: number;
  version: string;
  broker:
    | { mode: 'embedded'; ports: { mqtt: number; mqtts: number | null; ws: number | null }; clients: number }
    | { mode: 'external'; url: string; connected: boolean; lastError: string | null };
  ingest: IngestSnapshot;
  store: { series: number; samples: number; bytes: number };
}

const FILE = 'status.json';

/** Writes the state atomically (write then rename), so a reader never sees half a file. */
export function writeHubState(dataDir: string, state: HubState): void {
  const tmp = join(dataDir, `${FILE}.tmp`);
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, join(dataDir, FILE));
}

/** The last state the hub wrote, or null when it never ran with this dataDir. */
export function readHubState(dataDir: string): HubState | null {
  try {
    return JSON.parse(readFileSync(join(dataDir, FILE), 'utf8')) as HubState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
