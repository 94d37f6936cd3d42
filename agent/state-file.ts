import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrokerState } from './publish/publisher.js';
import type { OutboxStats } from './outbox/outbox.js';

export interface SourceStatus {
  enabled: boolean;
  reason: string;
  lastSampleTs: number | null;
  errors: number;
  lastError: string | null;
}

/** What the running agent writes every few seconds for `kcloud-agent status`. */
export interface AgentState {
  pid: number;
  startedAt: number;
  updatedAt: number;
  node: string;
  cluster: string;
  version: string;
  broker: BrokerState;
  sources: Record<string, SourceStatus>;
  outbox: OutboxStats;
}

const FILE = 'status.json';

/** Writes the state atomically (write then rename), so a reader never sees half a file. */
export function writeStateFile(dataDir: string, state: AgentState): void {
  const tmp = join(dataDir, `${FILE}.tmp`);
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, join(dataDir, FILE));
}

/** The last state the agent wrote, or null when there is none. */
export function readStateFile(dataDir: string): AgentState | null {
  try {
    return JSON.parse(readFileSync(join(dataDir, FILE), 'utf8')) as AgentState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
