// `cbor-x/decode` is cbor-x without its native string extractor (cbor-extract, C++ reading untrusted bytes): on
// these payloads, whose strings are packed and decoded once a message, the extractor measured no faster.
import { addExtension, Decoder, Encoder } from 'cbor-x/decode';

/**
 * CBOR (RFC 8949), the binary twin of a JSON telemetry payload (docs/mqtt.md,
 * "Payload encodings"): the same message, which the hub decodes to the same
 * object and validates with the same schema. An agent chooses it with
 * `mqtt.payload: cbor`; JSON stays the default, the form viewers read with
 * mosquitto_sub and jq.
 *
 * The agent writes cbor-x records (a sample's keys once a message) and packed
 * values (a metric name, GPU uuid or label value once a message): a
 * 152-sample batch is ~6 KB instead of ~22 KB of JSON and decodes in about a
 * third of JSON.parse's time.
 */

/** RFC 8949 §3.4.6 self-described CBOR (tag 55799): the three bytes a kcloud CBOR payload starts with. No JSON text can. */
const SELF_DESCRIBED = Buffer.from([0xd9, 0xd9, 0xf7]);

/**
 * Largest CBOR payload the hub takes, a quarter of JSON's 4 MiB: it holds as
 * many samples (~37 bytes a sample against ~145), and it bounds the decoder's
 * work as JSON's cap does: a record's property can cost one byte where
 * JSON's costs several, and a hostile 1 MiB of records took about as long to
 * decode as the slowest 4 MiB of JSON (docs/security.md, "Ingest limits").
 */
export const MAX_CBOR_PAYLOAD_BYTES = 1024 * 1024;

/** True when `payload` is self-described CBOR (what the agent sends with `mqtt.payload: cbor`). */
export function isCbor(payload: Buffer): boolean {
  return payload.length >= 3 && payload[0] === 0xd9 && payload[1] === 0xd9 && payload[2] === 0xf7;
}

// Record structures and packed values are written into every message (no structures shared between messages),
// so each payload decodes alone, in any order, after any outage.
const encoder = new Encoder({ useRecords: true, pack: true });

/** `value` as self-described CBOR. */
export function encodeCbor(value: unknown): Buffer {
  return Buffer.concat([SELF_DESCRIBED, encoder.encode(value)]);
}

/**
 * Tags that decode to something other than plain data: dates (0, 1), bignums
 * (2, 3: built byte by byte, quadratic in their length), decimal fractions and
 * bigfloats (4, 5), bundled-string slices (14, 15), errors and regular
 * expressions (27), shared values (28, 29: aliasing and cycles), typed arrays
 * (64-87), sets (258) and maps (259). A JSON payload holds none of these, so a
 * CBOR one may not either. Records and packed values stay (what the agent
 * writes). cbor-x keeps one table of tag decoders per process, so this holds
 * for every decoder in it.
 */
const REFUSED_TAGS = [0, 1, 2, 3, 4, 5, 14, 15, 27, 28, 29, 258, 259, ...Array.from({ length: 24 }, (_, i) => 64 + i)];

for (const tag of REFUSED_TAGS) {
  const decode = () => {
    throw new Error(`CBOR tag ${tag} is not accepted`);
  };
  // Decode side only: cbor-x's typing asks for an encoder (Class, encode) that the refusal has no use for.
  addExtension({ tag, decode } as unknown as Parameters<typeof addExtension>[0]);
}

const decoder = new Decoder({ mapsAsObjects: true });

/** Why a CBOR payload could not be decoded: `too_deep` when it nests beyond the call stack, else `not_cbor`. */
export type CborFailure = { ok: false; reason: 'not_cbor' | 'too_deep'; message: string };

/**
 * Decodes one CBOR payload (the caller checks its size first). Never throws:
 * cbor-x decodes recursively, so a payload nested beyond the call stack ends
 * in a RangeError, reported as `too_deep`.
 */
export function decodeCbor(payload: Buffer): { ok: true; value: unknown } | CborFailure {
  try {
    return { ok: true, value: decoder.decode(payload) };
  } catch (err) {
    if (err instanceof RangeError && err.message.includes('call stack')) return { ok: false, reason: 'too_deep', message: 'CBOR nests deeper than the decoder can follow' };
    return { ok: false, reason: 'not_cbor', message: `not CBOR: ${(err as Error).message}` };
  }
}
