import { EventEmitter } from 'node:events';
import type { StatusMessage } from '../shared/schema/message.js';
import type { NodeRef, Rejection, SampleRow } from './ingest/types.js';

/** Events ingest emits after a commit; streams, thresholds and alerts listen here. */
export interface BusEvents {
  /** A stored (not duplicate) telemetry batch. */
  samples: [{ node: NodeRef; seq: number; rows: SampleRow[] }];
  'node-status': [{ node: NodeRef; status: StatusMessage; receivedAt: number }];
  /** An inventory message; `changed` when it differs from the node's previous one. */
  inventory: [{ node: NodeRef; inventory: Record<string, unknown>; ts: number; changed: boolean }];
  reject: [{ rejection: Rejection; topic: string; clientId: string; node: string | null }];
}

/** The hub's in-process event bus. */
export class HubBus extends EventEmitter<BusEvents> {
  constructor() {
    super();
    // Every stream subscriber adds a listener; hundreds are normal, not a leak.
    this.setMaxListeners(0);
  }
}
