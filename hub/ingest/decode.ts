import { decodeMessage, MAX_PAYLOAD_BYTES } from '../../shared/schema/message.js';
import { parseTopic, type ParsedTopic } from '../../shared/topics.js';
import type { InventoryMessage, StatusMessage, TelemetryMessage } from '../../shared/schema/message.js';
import type { Rejection } from './types.js';

export type Decoded =
  | { ok: true; topic: ParsedTopic; kind: 'telemetry'; msg: TelemetryMessage }
  | { ok: true; topic: ParsedTopic; kind: 'status'; msg: StatusMessage }
  | { ok: true; topic: ParsedTopic; kind: 'inventory'; msg: InventoryMessage }
  | { ok: false; rejection: Rejection };

/**
 * Maps the schema's failure to a counter reason. TypeBox words a missing key
 * as `Expected required property` (field `/samples/0/value`); an inventory
 * over its bounds or a CBOR payload over its own (shared/schema/message.ts,
 * cbor.ts) is too large or too deep; everything else the schema refuses is a
 * wrong type or value.
 */
function reasonOf(field: string, message: string): Rejection['reason'] {
  if (message.startsWith('not JSON')) return 'not_json';
  if (message.startsWith('not CBOR')) return 'not_cbor';
  if (message.startsWith('inventory payload larger') || message.startsWith('inventory holds more') || message.startsWith('CBOR payload larger')) return 'too_large';
  if (message.startsWith('inventory nests deeper') || message.startsWith('CBOR nests deeper')) return 'too_deep';
  if (field === '/v' && message.startsWith('unsupported version')) return 'bad_version';
  if (message === 'Expected required property') return 'missing_field';
  return 'invalid_field';
}

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
      return d.ok ? { ok: true, topic, kind: 'telemetry', msg: d.value } : { ok: false, rejection: { reason: reasonOf(d.error.field, d.error.message), ...d.error } };
    }
    case 'status': {
      const d = decodeMessage('status', payload);
      return d.ok ? { ok: true, topic, kind: 'status', msg: d.value } : { ok: false, rejection: { reason: reasonOf(d.error.field, d.error.message), ...d.error } };
    }
    case 'inventory': {
      const d = decodeMessage('inventory', payload);
      return d.ok ? { ok: true, topic, kind: 'inventory', msg: d.value } : { ok: false, rejection: { reason: reasonOf(d.error.field, d.error.message), ...d.error } };
    }
  }
}
