import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, ValueErrorType } from '@sinclair/typebox/compiler';
import { decodeCbor, isCbor, MAX_CBOR_PAYLOAD_BYTES } from './cbor.js';
import { exceedsShape, type ShapeLimits } from './shape.js';
import { telemetryCheck } from './telemetry-check.js';

/**
 * The MQTT payload contract, version 1. The agent encodes with these types and
 * the hub validates with the same compiled checkers. See docs/mqtt.md.
 */
export const MESSAGE_VERSION = 1;

const Name = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$' });
/** Milliseconds since the Unix epoch; bounded so a bogus clock cannot poison the store (2001..2286). */
const TimestampMs = Type.Integer({ minimum: 1e12, maximum: 1e13 });
/**
 * A count: an integer a double holds exactly. TypeBox's Integer alone takes
 * 1e308 (Number.isInteger), which SQLite then stores as REAL (issue 14,
 * item 11).
 */
const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

/** Label names as Prometheus allows them; a name outside the pattern is refused, not passed through unchecked (TypeBox's default for a pattern-keyed record). */
export const Labels = Type.Record(Type.String({ pattern: '^[a-zA-Z_][a-zA-Z0-9_]{0,63}$' }), Type.String({ maxLength: 256 }), {
  maxProperties: 16,
  additionalProperties: false,
});
export type Labels = Static<typeof Labels>;

export const Sample = Type.Object(
  {
    /** Metric name with its unit, e.g. `gpu_power_watts`. */
    metric: Type.String({ pattern: '^[a-z_][a-z0-9_]{0,127}$' }),
    labels: Type.Optional(Labels),
    /** Only real readings travel: an unavailable value is absent, never 0. */
    value: Type.Number(),
    /** Sample time; defaults to the message's `ts`. */
    ts: Type.Optional(TimestampMs),
  },
  { additionalProperties: false },
);
export type Sample = Static<typeof Sample>;

const Header = {
  v: Type.Literal(MESSAGE_VERSION),
  cluster: Name,
  node: Name,
  ts: TimestampMs,
};

export const TelemetryMessage = Type.Object(
  {
    ...Header,
    /** Per-node sequence number; strictly increasing across agent restarts (see docs/mqtt.md). */
    seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    samples: Type.Array(Sample, { maxItems: 50_000 }),
  },
  { additionalProperties: false },
);
export type TelemetryMessage = Static<typeof TelemetryMessage>;

export const InventoryMessage = Type.Object(
  {
    ...Header,
    /** Free-form facts per source (`host`, `gpu`, `ipmi`, `rapl`), replaced whole when a source changes. */
    inventory: Type.Record(Type.String(), Type.Unknown()),
  },
  { additionalProperties: false },
);
export type InventoryMessage = Static<typeof InventoryMessage>;

export const SourceState = Type.Object(
  {
    enabled: Type.Boolean(),
    reason: Type.String(),
    lastSampleTs: Type.Union([TimestampMs, Type.Null()]),
    errors: Count,
  },
  { additionalProperties: false },
);
export type SourceState = Static<typeof SourceState>;

export const StatusMessage = Type.Object(
  {
    ...Header,
    state: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
    agentVersion: Type.Optional(Type.String()),
    /** Per collector; the agent has a handful (gpu, dcgm, ipmi, rapl, host). */
    sources: Type.Optional(Type.Record(Name, SourceState, { maxProperties: 32, additionalProperties: false })),
    outbox: Type.Optional(
      Type.Object({
        depth: Count,
        bytes: Count,
        /** Batches dropped because the outbox was full (oldest first), since the outbox was created. */
        dropped: Count,
      }),
    ),
  },
  { additionalProperties: false },
);
export type StatusMessage = Static<typeof StatusMessage>;

/**
 * Why a payload was refused, as the hub counts it (`ingest_rejected_total{reason}`, hub/ingest/types.ts):
 * each failure carries its reason, so no caller reads it back out of the message's words.
 */
export type FailureReason = 'too_large' | 'too_deep' | 'not_json' | 'not_cbor' | 'bad_version' | 'missing_field' | 'invalid_field';

export interface ValidationFailure {
  reason: FailureReason;
  /** JSON pointer of the offending field, e.g. `/samples/3/value`. */
  field: string;
  message: string;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: ValidationFailure };

/** The compiled schema's check; `fast`, where given, accepts first (a subset of what the schema accepts: telemetry-check.ts). */
function checker<T extends TSchema>(schema: T, fast?: (data: unknown) => boolean) {
  const compiled = TypeCompiler.Compile(schema);
  return (data: unknown): Decoded<Static<T>> => {
    if (fast?.(data) || compiled.Check(data)) return { ok: true, value: data as Static<T> };
    const first = compiled.Errors(data).First();
    const reason = first?.type === ValueErrorType.ObjectRequiredProperty ? 'missing_field' : 'invalid_field';
    return { ok: false, error: { reason, field: first?.path || '/', message: first?.message ?? 'invalid' } };
  };
}

export const checkTelemetry = checker(TelemetryMessage);
export const checkInventory = checker(InventoryMessage);
export const checkStatus = checker(StatusMessage);
/** checkTelemetry for what JSON.parse or the CBOR decoder built (plain data), with the hand-written pass first. */
const checkParsedTelemetry = checker(TelemetryMessage, telemetryCheck(TelemetryMessage));

/** Largest payload either side accepts; a full 8-GPU batch is ~40 KiB. */
export const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;

/**
 * Bounds on an inventory's free-form facts (the agent's are a few KiB, a
 * few levels deep): it is hashed and stored whole on every change, so its
 * size is what a node can make the hub hold per change.
 */
export const MAX_INVENTORY_BYTES = 1024 * 1024;
export const INVENTORY_SHAPE: ShapeLimits = { depth: 32, values: 100_000 };

/**
 * The payload as a value: JSON, or for telemetry its CBOR twin (shared/schema/cbor.ts), which the same checks
 * follow. Status and inventory stay JSON: they are rare, and an inventory is stored whole, where CBOR's packed
 * values could make a small payload decode to a huge one.
 */
function parsePayload(kind: 'telemetry' | 'inventory' | 'status', payload: Buffer | string): { ok: true; value: unknown } | { ok: false; error: ValidationFailure } {
  if (typeof payload !== 'string' && isCbor(payload)) {
    if (kind !== 'telemetry') return refused('not_json', '/', 'not JSON (CBOR is taken for telemetry only)');
    if (payload.length > MAX_CBOR_PAYLOAD_BYTES) return refused('too_large', '/', `CBOR payload larger than ${MAX_CBOR_PAYLOAD_BYTES} bytes`);
    const d = decodeCbor(payload);
    return d.ok ? d : refused(d.reason, '/', d.message);
  }
  try {
    return { ok: true, value: JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8')) };
  } catch {
    return refused('not_json', '/', 'not JSON');
  }
}

const refused = (reason: FailureReason, field: string, message: string) => ({ ok: false as const, error: { reason, field, message } });

/** Parses and validates a payload of the given kind. */
export function decodeMessage(kind: 'telemetry', payload: Buffer | string): Decoded<TelemetryMessage>;
export function decodeMessage(kind: 'inventory', payload: Buffer | string): Decoded<InventoryMessage>;
export function decodeMessage(kind: 'status', payload: Buffer | string): Decoded<StatusMessage>;
export function decodeMessage(kind: 'telemetry' | 'inventory' | 'status', payload: Buffer | string) {
  if (payload.length > MAX_PAYLOAD_BYTES) return refused('too_large', '/', `payload larger than ${MAX_PAYLOAD_BYTES} bytes`);
  if (kind === 'inventory' && (typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length) > MAX_INVENTORY_BYTES) {
    return refused('too_large', '/', `inventory payload larger than ${MAX_INVENTORY_BYTES} bytes`);
  }
  const parsed = parsePayload(kind, payload);
  if (!parsed.ok) return parsed;
  const data = parsed.value;
  if (typeof data === 'object' && data !== null && 'v' in data && data.v !== MESSAGE_VERSION) {
    // A CBOR `v` may be a bigint, which JSON.stringify refuses; either may be long.
    const shown = typeof data.v === 'bigint' ? String(data.v) : (JSON.stringify(data.v) ?? String(data.v));
    return refused('bad_version', '/v', `unsupported version ${shown.slice(0, 40)}`);
  }
  if (kind === 'telemetry') return checkParsedTelemetry(data);
  if (kind === 'status') return checkStatus(data);
  // The facts are stored as canonical JSON (hub/ingest/node-state.ts): their shape is bounded before anything walks them.
  const inventory = typeof data === 'object' && data !== null && 'inventory' in data ? data.inventory : undefined;
  const over = exceedsShape(inventory, INVENTORY_SHAPE);
  if (over) return refused(over.reason, '/inventory', `inventory ${over.message}`);
  return checkInventory(data);
}
