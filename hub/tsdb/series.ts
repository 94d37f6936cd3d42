import type Database from 'better-sqlite3';
import type { Labels } from '../../shared/schema/message.js';
import { matchesAll } from '../../shared/query/matchers.js';
import type { Matcher, SeriesRef } from '../../shared/query/types.js';

/**
 * Canonical form of a label set: keys sorted, empty values dropped (a
 * missing label and an empty one match the same selectors, as in
 * Prometheus), as JSON.
 */
export function canonicalLabels(labels: Labels | undefined): string {
  if (!labels) return '{}';
  const keys = Object.keys(labels)
    .filter((k) => labels[k] !== '')
    .sort();
  const out: Labels = {};
  for (const k of keys) out[k] = labels[k]!;
  return JSON.stringify(out);
}

/**
 * Who may create series (hub/ingest/series-limits.ts: per-node limits). The
 * index asks only before creating one, so a row of a known series costs
 * nothing more; it reports every series it holds, so the counts survive a
 * restart, a rolled-back write and retention.
 */
export interface SeriesAdmission {
  /** Whether a new series with these labels may be created; refused, the row is not written. */
  admit(metric: string, labels: Labels | undefined): boolean;
  /** A series is held (+1: loaded or created) or no longer (-1: rolled back, or emptied by retention). */
  count(labels: Readonly<Labels>, delta: 1 | -1): void;
}

/** A series as held in memory: canonical labels (empty values dropped) and their count, for quick comparison. */
interface StoredSeries extends SeriesRef {
  labelCount: number;
  /** The series written right after this one the last time it was written: the first guess for the next row. */
  next: StoredSeries | undefined;
  /**
   * Its labels in the order the last matching writer sent them: name, value, name, value (empty values left
   * out). A writer keeps its order, so rows are compared by position, without a lookup by name per label.
   */
  written: string[] | undefined;
}

/** What `resolve` hands back: the series' id, and what the writer passes as `previous` for its next row. */
export type ResolvedSeries = Readonly<Pick<StoredSeries, 'id'>>;

/**
 * The series table (metric + canonical labels -> id), mirrored in memory.
 * Every written sample resolves its series here, so the hot path builds no
 * string. A writer (an agent's batch) sends its series in the same order
 * time after time, so the first guess is the series that followed the
 * previous row's series last time, checked label by label. Otherwise a
 * number hashed from the metric and label values as they arrive picks the
 * candidates, compared the same way; only an unseen ordering pays for
 * canonicalising. (The earlier key, names and values joined into a string,
 * was 0.4 µs a sample in bench/ingest.ts; the hash 0.25 µs, mostly hashing
 * 40-character GPU UUIDs; a right guess a few tens of ns.)
 *
 * An id is never given to another series, even after retention dropped
 * its own (`meta.series_high_water` remembers the highest id ever used),
 * so consumers may key anything by series id for the life of the file.
 */
export class SeriesIndex {
  private readonly byCanonical = new Map<string, StoredSeries>();
  /** hashOf(metric, labels as written) -> the series written with that hash. */
  private readonly byHash = new Map<number, StoredSeries[]>();
  private readonly byMetric = new Map<string, SeriesRef[]>();
  private readonly byId = new Map<number, StoredSeries>();
  private readonly insert: Database.Statement<[number, string, string]>;
  private readonly remove: Database.Statement<[number]>;
  private readonly saveHighWater: Database.Statement<[string]>;
  private nextId: number;
  /** Series created by the write transaction in progress, forgotten if it rolls back. */
  private pending: SeriesRef[] = [];
  private admission: SeriesAdmission | undefined;

  constructor(db: Database.Database) {
    this.insert = db.prepare('INSERT INTO series (id, metric, labels) VALUES (?, ?, ?)');
    this.remove = db.prepare('DELETE FROM series WHERE id = ?');
    this.saveHighWater = db.prepare("INSERT INTO meta (key, value) VALUES ('series_high_water', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    let highest = Number(db.prepare("SELECT value FROM meta WHERE key = 'series_high_water'").pluck().get() ?? 0);
    for (const row of db.prepare('SELECT id, metric, labels FROM series').iterate() as Iterable<{ id: number; metric: string; labels: string }>) {
      this.add(stored(row.id, row.metric, row.labels), row.labels);
      highest = Math.max(highest, row.id);
    }
    this.nextId = highest + 1;
  }

  /** Puts new series under `admission`, which is told of every series held now. */
  setAdmission(admission: SeriesAdmission): void {
    this.admission = admission;
    for (const ref of this.byId.values()) admission.count(ref.labels, 1);
  }

  private add(ref: StoredSeries, canonical: string): void {
    this.admission?.count(ref.labels, 1);
    this.byCanonical.set(`${ref.metric}\u0000${canonical}`, ref);
    this.byId.set(ref.id, ref);
    const list = this.byMetric.get(ref.metric);
    if (list) list.push(ref);
    else this.byMetric.set(ref.metric, [ref]);
  }

  get size(): number {
    return this.byId.size;
  }

  /** The highest id ever handed out: no stored sample may name a higher one. */
  get highestId(): number {
    return this.nextId - 1;
  }

  /**
   * The series, created (inside the caller's transaction) when new, or
   * undefined when the admission refused to create it. `previous`: what
   * this writer resolved for the row before, if anything (the series
   * itself, not its id: a Map lookup per sample was one more cache miss).
   */
  resolve(metric: string, labels: Labels | undefined, previous?: ResolvedSeries): ResolvedSeries | undefined {
    const before = previous as StoredSeries | undefined;
    const guess = before?.next;
    if (guess && guess.metric === metric && sameLabels(guess, labels)) return guess;
    const found = this.lookup(metric, labels);
    if (found && before) before.next = found;
    return found;
  }

  private lookup(metric: string, labels: Labels | undefined): StoredSeries | undefined {
    const hash = hashOf(metric, labels);
    const candidates = this.byHash.get(hash);
    if (candidates) {
      for (const ref of candidates) if (ref.metric === metric && sameLabels(ref, labels)) return ref;
    }
    const canonical = canonicalLabels(labels);
    let ref = this.byCanonical.get(`${metric}\u0000${canonical}`);
    if (!ref) {
      if (this.admission && !this.admission.admit(metric, labels)) return undefined;
      const id = this.nextId++;
      this.insert.run(id, metric, canonical);
      ref = stored(id, metric, canonical);
      this.add(ref, canonical);
      this.pending.push(ref);
    }
    if (candidates) candidates.push(ref);
    else this.byHash.set(hash, [ref]);
    return ref;
  }

  /** Called when the write transaction committed. */
  commit(): void {
    this.pending = [];
  }

  /** Called when the write transaction rolled back: the new rows are gone, so are their ids. */
  rollback(): void {
    this.forget(new Set(this.pending.map((r) => r.id)));
    this.pending = [];
  }

  private forget(ids: ReadonlySet<number>): void {
    if (ids.size === 0) return;
    for (const id of ids) {
      const ref = this.byId.get(id);
      if (!ref) continue;
      this.admission?.count(ref.labels, -1);
      this.byId.delete(id);
      this.byCanonical.delete(`${ref.metric}\u0000${canonicalLabels(ref.labels)}`);
      const rest = (this.byMetric.get(ref.metric) ?? []).filter((r) => r.id !== id);
      if (rest.length) this.byMetric.set(ref.metric, rest);
      else this.byMetric.delete(ref.metric);
    }
    for (const [hash, refs] of this.byHash) {
      const rest = refs.filter((r) => !ids.has(r.id));
      if (rest.length === 0) this.byHash.delete(hash);
      else if (rest.length < refs.length) this.byHash.set(hash, rest);
    }
    for (const ref of this.byId.values()) if (ref.next && ids.has(ref.next.id)) ref.next = undefined;
  }

  /** Deletes series that retention emptied (inside the caller's transaction; forgotten when it commits). */
  drop(ids: readonly number[]): () => void {
    if (ids.length === 0) return () => {};
    for (const id of ids) this.remove.run(id);
    // Deleting the highest ids would let SQLite's max(id) hand them out again after a restart.
    this.saveHighWater.run(String(this.nextId - 1));
    return () => this.forget(new Set(ids));
  }

  get(id: number): SeriesRef | undefined {
    return this.byId.get(id);
  }

  ids(): IterableIterator<number> {
    return this.byId.keys();
  }

  /** Series of a metric whose labels satisfy every matcher. */
  find(metric: string, matchers: readonly Matcher[]): SeriesRef[] {
    return (this.byMetric.get(metric) ?? []).filter((s) => matchesAll(s.labels, matchers));
  }
}

function stored(id: number, metric: string, canonical: string): StoredSeries {
  const labels = Object.freeze(JSON.parse(canonical) as Labels);
  return { id, metric, labels, labelCount: Object.keys(labels).length, next: undefined, written: undefined };
}

/**
 * Whether labels as written (empty values meaning absent) are the series'
 * stored labels: first by position against the order its last writer used
 * (`ref[name]` with a different name each time is a megamorphic lookup in
 * V8, four a sample), else by name, and that order is remembered.
 */
function sameLabels(ref: StoredSeries, labels: Labels | undefined): boolean {
  if (ref.written !== undefined && inWrittenOrder(ref.written, labels)) return true;
  if (!sameByName(ref, labels)) return false;
  const written: string[] = [];
  for (const name in labels) if (labels[name] !== '') written.push(name, ref.labels[name]!);
  ref.written = written;
  return true;
}

function inWrittenOrder(written: readonly string[], labels: Labels | undefined): boolean {
  let i = 0;
  for (const name in labels) {
    const value = labels[name]!;
    if (value === '') continue;
    if (written[i] !== name || written[i + 1] !== value) return false;
    i += 2;
  }
  return i === written.length;
}

function sameByName(ref: StoredSeries, labels: Labels | undefined): boolean {
  let n = 0;
  for (const name in labels) {
    const value = labels[name]!;
    if (value === '') continue;
    if (ref.labels[name] !== value) return false;
    n++;
  }
  return n === ref.labelCount;
}

/**
 * FNV-1a (32 bit) of the metric and the label values as written, in their
 * order, each string followed by a separator byte. Names are left out (a
 * writer sends the same names with the same values; hashing them too cost
 * a quarter more): equal inputs hash equal, and whatever collides is told
 * apart by the label comparison that follows, so a collision costs a
 * compare, never a wrong series.
 */
function hashOf(metric: string, labels: Labels | undefined): number {
  let h = mix(0x811c9dc5, metric);
  for (const name in labels) h = mix(h, labels[name]!);
  // 30 bits: a small integer to V8 (a Smi), so the Map lookup neither boxes it nor hashes a double.
  return h & 0x3fffffff;
}

function mix(hash: number, text: string): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return Math.imul(h ^ 0xff, 0x01000193);
}
