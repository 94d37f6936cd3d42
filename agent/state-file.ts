import { readStatusFile, writeStatusFile } from '../shared/status-file.js';
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

/** Writes the agent's state for `status` (atomically). */
export function writeStateFile(dataDir: string, state: AgentState): void {
  writeStatusFile(dataDir, state);
}

/** The last state the agent wrote, or null when it never ran with this dataDir. */
export function readStateFile(dataDir: string): AgentState | null {
  return readStatusFile<AgentState>(dataDir);
}
