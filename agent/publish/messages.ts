import {
  MESSAGE_VERSION,
  type InventoryMessage,
  type Sample,
  type SourceState,
  type StatusMessage,
  type TelemetryMessage,
} from '../../shared/schema/message.js';
import { encodeCbor } from '../../shared/schema/cbor.js';
import type { OutboxStats } from '../outbox/outbox.js';

/** Who is speaking: the header every message carries. */
export interface Origin {
  cluster: string;
  node: string;
}

/** How telemetry travels (`mqtt.payload`): JSON, or its CBOR twin, which the hub decodes to the same message (docs/mqtt.md). */
export type TelemetryEncoding = 'json' | 'cbor';

const encode = (msg: TelemetryMessage | InventoryMessage | StatusMessage): Buffer => Buffer.from(JSON.stringify(msg));

/** A v1 telemetry batch payload. */
export function telemetryPayload(origin: Origin, seq: number, ts: number, samples: Sample[], encoding: TelemetryEncoding = 'json'): Buffer {
  const msg: TelemetryMessage = { v: MESSAGE_VERSION, cluster: origin.cluster, node: origin.node, seq, ts, samples };
  return encoding === 'cbor' ? encodeCbor(msg) : encode(msg);
}

/** A v1 inventory payload (the merged sections of every collector). */
export function inventoryPayload(origin: Origin, ts: number, inventory: Record<string, unknown>): Buffer {
  return encode({ v: MESSAGE_VERSION, cluster: origin.cluster, node: origin.node, ts, inventory });
}

export interface StatusFacts {
  state: 'online' | 'offline';
  agentVersion: string;
  sources: Record<string, SourceState>;
  outbox: OutboxStats;
}

/** A v1 status payload; `offline` is also the Last Will. */
export function statusPayload(origin: Origin, ts: number, facts: StatusFacts): Buffer {
  const { depth, bytes, dropped } = facts.outbox;
  return encode({
    v: MESSAGE_VERSION,
    cluster: origin.cluster,
    node: origin.node,
    ts,
    state: facts.state,
    agentVersion: facts.agentVersion,
    sources: facts.sources,
    outbox: { depth, bytes, dropped },
  });
}
