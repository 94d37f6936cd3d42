import type { TString } from '@sinclair/typebox';
import type { TelemetryMessage } from './message.js';

/**
 * The telemetry schema's check (TelemetryMessage in message.ts) as one
 * hand-written pass over a message as JSON.parse or the CBOR decoder built
 * it, for the hub's hot path. The compiled TypeBox checker builds arrays and
 * closures per sample (Object.getOwnPropertyNames, Object.entries, every(),
 * an array literal per key): in bench/ingest.ts they were as much garbage as
 * JSON.parse's own, and its regular expressions ~40-60 ns a test, three
 * tests a sample.
 *
 * It accepts a subset of what the schema accepts, never more: it reads the
 * patterns and bounds from the schema object and applies each condition
 * the compiled checker applies. It walks keys with for-in, which allocates
 * nothing and sees every own property of plain data (JSON.parse and the CBOR
 * decoder make only enumerable own properties), plus any enumerable
 * inherited ones, which only make it stricter. A name found valid once
 * (metric, label name: a small vocabulary) is remembered in a bounded set
 * instead of tested again. A message it does not accept goes to the compiled
 * checker, which decides and names the field: a difference can cost time,
 * never let through what the schema refuses.
 * test/shared/schema/telemetry-check.test.ts compares the two on random and
 * hostile inputs.
 */
export function telemetryCheck(schema: typeof TelemetryMessage): (m: unknown) => boolean {
  const sample = schema.properties.samples.items;
  const labels = sample.properties.labels;
  const [labelName, labelValue] = Object.entries(labels.patternProperties)[0]! as [string, TString];
  const CLUSTER = new RegExp(schema.properties.cluster.pattern!);
  const NODE = new RegExp(schema.properties.node.pattern!);
  const isMetric = remembered(new RegExp(sample.properties.metric.pattern!));
  const isLabelName = remembered(new RegExp(labelName));
  const LABEL_VALUE_MAX = labelValue.maxLength!;
  const MAX_LABELS = labels.maxProperties!;
  const [TS_MIN, TS_MAX] = [schema.properties.ts.minimum!, schema.properties.ts.maximum!];
  const [SEQ_MIN, SEQ_MAX] = [schema.properties.seq.minimum!, schema.properties.seq.maximum!];
  const MAX_SAMPLES = schema.properties.samples.maxItems!;
  const VERSION = schema.properties.v.const;
  const MESSAGE_KEYS = Object.keys(schema.properties);
  const own = Object.prototype.hasOwnProperty;

  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const isTimestamp = (v: unknown) => Number.isInteger(v) && (v as number) <= TS_MAX && (v as number) >= TS_MIN;

  function isLabels(l: unknown): boolean {
    if (!isObject(l) || l instanceof Date || l instanceof Uint8Array) return false;
    let n = 0;
    for (const key in l) {
      const value = l[key];
      if (++n > MAX_LABELS || typeof value !== 'string' || value.length > LABEL_VALUE_MAX || !isLabelName(key)) return false;
    }
    return true;
  }

  function isSample(s: unknown): boolean {
    if (!isObject(s)) return false;
    for (const k in s) if (k !== 'metric' && k !== 'value' && k !== 'labels' && k !== 'ts') return false;
    const { metric, value, labels, ts } = s;
    return typeof metric === 'string' && isMetric(metric) && Number.isFinite(value) && (labels === undefined || isLabels(labels)) && (ts === undefined || isTimestamp(ts));
  }

  return (m: unknown): boolean => {
    if (!isObject(m) || m.v !== VERSION) return false;
    const { cluster, node, ts, seq, samples } = m;
    if (typeof cluster !== 'string' || !CLUSTER.test(cluster) || typeof node !== 'string' || !NODE.test(node)) return false;
    if (!isTimestamp(ts) || !Number.isInteger(seq) || (seq as number) > SEQ_MAX || (seq as number) < SEQ_MIN) return false;
    if (!Array.isArray(samples) || samples.length > MAX_SAMPLES) return false;
    // Once a message: exactly the schema's keys, each its own.
    for (let i = 0; i < MESSAGE_KEYS.length; i++) if (!own.call(m, MESSAGE_KEYS[i]!)) return false;
    if (Object.getOwnPropertyNames(m).length !== MESSAGE_KEYS.length) return false;
    for (let i = 0; i < samples.length; i++) if (!isSample(samples[i])) return false;
    return true;
  };
}

/** Most names a `remembered` test holds; past it, it starts over (a node sending ever new valid names costs it tests, not memory). */
export const REMEMBERED_NAMES = 4096;

/** `pattern.test`, remembering the strings it accepted (a string equal to an accepted one is accepted). */
function remembered(pattern: RegExp): (s: string) => boolean {
  const valid = new Set<string>();
  return (s) => {
    if (valid.has(s)) return true;
    if (!pattern.test(s)) return false;
    if (valid.size >= REMEMBERED_NAMES) valid.clear();
    valid.add(s);
    return true;
  };
}
