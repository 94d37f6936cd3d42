import { decodeMessage, MAX_PAYLOAD_BYTES } from '../../shared/schema/message.js';
import { parseTopic, type ParsedTopic } from '../../shared/topics.js';
import type { InventoryMessage, StatusMessage, TelemetryMessage } from '../../shared/schema/message.js';
import type { Rejection } from './types.js';

export type Decoded =
  | { ok: true; topic: ParsedTopic; kind: 'telemetry'; msg: TelemetryMessage }
  | { ok: true; topic: ParsedTopic; kind: 'status'; msg: StatusMessage }
  | { ok: true; topic: ParsedTopic; kind: 'inventory'; msg: InventoryMessage }
  | { ok: false; rejection: Rejection };

/** Step 1 and 2: topic, size, JSON (or CBOR for telemetry) and schema. Pure; never throws on any input. */
export function decodeIncoming(topicText: string, payload: Buffer): Decoded {
  const topic = parseTopic(topicText);
  if (!topic) return { ok: false, rejection: { reason: 'bad_topic', field: '/', message: `not a kcloud topic: ${topicText.slice(0, 200)}` } };
  // Checked here too, so a huge payload is refused before JSON.parse sees it.
  if (payload.length > MAX_PAYLOAD_BYTES) {
    return { ok: false, rejection: { reason: 'too_large', field: '/', message: `payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD_BYTES}` } };
  }
  switch (topic.kind) {
    case 'telemetry': {
      const d = decodeMessage('telemetry', payload);
      return d.ok ? { ok: true, topic, kind: 'telemetry', msg: d.value } : { ok: false, rejection: d.error };
    }
    case 'status': {
      const d = decodeMessage('status', payload);
      return d.ok ? { ok: true, topic, kind: 'status', msg: d.value } : { ok: false, rejection: d.error };
    }
    case 'inventory': {
      const d = decodeMessage('inventory', payload);
      return d.ok ? { ok: true, topic, kind: 'inventory', msg: d.value } : { ok: false, rejection: d.error };
    }
  }
}
