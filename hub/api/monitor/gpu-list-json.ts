import fastJson from 'fast-json-stringify';
import type { TSchema } from '@sinclair/typebox';
import { GpuListResponse } from './schemas/accelerators.js';

/** One GPU of the list as the route builds it: primitives only (strings, numbers, booleans, null). */
export type GpuListRow = Readonly<Record<string, string | number | boolean | null>>;

interface Fragment {
  values: unknown[];
  json: string;
  /** The answer that last used it: fragments of GPUs no longer listed are dropped. */
  generation: number;
}

const answerSchema = GpuListResponse[200] as TSchema & { properties: { data: { items: TSchema } } };
/** The route's whole answer, as Fastify would serialise it: the envelope's parts, with `data` spliced in. */
const serializeAnswer = fastJson(answerSchema);
/** One item of `data`, by the same schema: the same coercions and refusals as the whole answer's serialiser. */
const serializeItem = fastJson(answerSchema.properties.data.items);
const EMPTY_DATA = '"data":[]';

/**
 * The GPU list's JSON, built from one pre-serialised fragment per GPU that
 * is reused while the GPU's row has the same values: a dashboard's list of
 * 400 GPUs is ~175 KB, and serialising it whole per answer cost more than
 * building it. A row's values are compared on every answer, so a new
 * reading, a reading gone stale, a status or inventory change shows in the
 * next answer. The bytes are those of the route's response schema
 * (fast-json-stringify from the same schema, for the envelope and for each
 * item), so sending the string skips Fastify's serialiser without changing
 * the answer.
 */
export class GpuListJson {
  private readonly fragments = new Map<string, Fragment>();
  private generation = 0;

  /** The answer for `envelope` (its `data` left empty) with `rows` as data; `key` names a row's GPU and shape. */
  serialize(envelope: { data: readonly never[] }, rows: readonly GpuListRow[], key: (row: GpuListRow) => string): string {
    const generation = ++this.generation;
    const items = rows.map((row) => this.fragment(key(row), row, generation));
    // Fragments of GPUs gone (removed, filtered out for a while) do not accumulate.
    if (this.fragments.size > 2 * rows.length + 64) for (const [k, f] of this.fragments) if (f.generation !== generation) this.fragments.delete(k);
    const head = serializeAnswer(envelope);
    // The envelope's first fields are strings JSON escapes, so an unescaped `"data":[]` is the data key's own.
    const at = head.indexOf(EMPTY_DATA);
    if (at < 0) throw new Error('GPU list envelope without an empty data array');
    return `${head.slice(0, at)}"data":[${items.join(',')}]${head.slice(at + EMPTY_DATA.length)}`;
  }

  private fragment(key: string, row: GpuListRow, generation: number): string {
    const values = Object.values(row);
    const held = this.fragments.get(key);
    if (held && held.values.length === values.length && held.values.every((v, i) => v === values[i])) {
      held.generation = generation;
      return held.json;
    }
    const json = serializeItem(row);
    this.fragments.set(key, { values, json, generation });
    return json;
  }
}
