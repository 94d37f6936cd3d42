import { readStatusFile, writeStatusFile } from '../../shared/status-file.js';
import type { IngestSnapshot } from '../ingest/counters.js';
import type { QueueStatus } from '../remote-write/queue.js';
import { redactUrlCredentials, withoutCredentials } from './url-credentials.js';

/** What the running hub writes to `<dataDir>/status.json` every 2 s for `kcloud-hub status`. */
export interface HubState {
  pid: number;
  startedAt: number;
  updatedAt: number;
  version: string;
  broker:
    | { mode: 'embedded'; ports: { mqtt: number; mqtts: number | null; ws: number | null }; clients: number }
    | { mode: 'external'; url: string; connected: boolean; lastError: string | null; /** Dead peers' sessions the hub holds (docs/scale-out.md). */ adopted?: string[] };
  ingest: IngestSnapshot;
  store: { series: number; samples: number; bytes: number };
  /** Remote-write queues (storage.remoteWrite); absent when none is configured. */
  remoteWrite?: QueueStatus[];
}

/** Writes the hub's state for `status` (atomically); the external broker's url and error without credentials, as `status` prints them. */
export function writeHubState(dataDir: string, state: HubState): void {
  const b = state.broker;
  writeStatusFile(dataDir, b.mode === 'external' ? { ...state, broker: { ...b, url: withoutCredentials(b.url), lastError: b.lastError && redactUrlCredentials(b.lastError) } } : state);
}

/** The last state the hub wrote, or null when it never ran with this dataDir. */
export function readHubState(dataDir: string): HubState | null {
  return readStatusFile<HubState>(dataDir);
}
