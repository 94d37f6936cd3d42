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
 * The series table (metric + canonical labels -> id), mirrored in memory:
 * every write resolves its series here, so the hot path is a Map lookup
 * keyed by the labels as they arrive; only an unseen ordering pays for
 * canonicalising.
 */
export class SeriesIndex {
  private readonly byCanonical = new Map<string, number>();
  /** metric -> labels JSON as written -> id: two levels, so the hot path builds no concatenated key. */
  private readonly byRaw = new Map<string, Map<string, number>>();
  private readonly byMetric = new Map<string, SeriesRef[]>();
  private readonly byId = new Map<number, SeriesRef>();
  private readonly insert: Database.Statement<[string, string]>;
  private readonly remove: Database.Statement<[number]>;
  /** Series created by the write transaction in progress, forgotten if it rolls back. */
  private pending: SeriesRef[] = [];

  constructor(db: Database.Database) {
    this.insert = db.prepare('INSERT INTO series (metric, labels) VALUES (?, ?)');
    this.remove = db.prepare('DELETE FROM series WHERE id = ?');
    for (const row of db.prepare('SELECT id, metric, labels FROM series').iterate() as Iterable<{ id: number; metric: string; labels: string }>) {
      this.add({ id: row.id, metric: row.metric, labels: Object.freeze(JSON.parse(row.labels) as Labels) }, row.labels);
    }
  }

  private add(ref: SeriesRef, canonical: string): void {
    this.byCanonical.set(`${ref.metric}\u0000${canonical}`, ref.id);
    this.byId.set(ref.id, ref);
    const list = this.byMetric.get(ref.metric);
    if (list) list.push(ref);
    else this.byMetric.set(ref.metric, [ref]);
  }

  get size(): number {
    return this.byId.size;
  }

  /** Id of the series, created (inside the caller's transaction) when new. */
  resolve(metric: string, labels: Labels | undefined): number {
    const raw = rawKey(labels);
    let forMetric = this.byRaw.get(metric);
    if (!forMetric) this.byRaw.set(metric, (forMetric = new Map()));
    const cached = forMetric.get(raw);
    if (cached !== undefined) return cached;
    const canonical = canonicalLabels(labels);
    let id = this.byCanonical.get(`${metric}\u0000${canonical}`);
    if (id === undefined) {
      id = Number(this.insert.run(metric, canonical).lastInsertRowid);
      const ref = { id, metric, labels: Object.freeze(JSON.parse(canonical) as Labels) };
      this.add(ref, canonical);
      this.pending.push(ref);
    }
    forMetric.set(raw, id);
    return id;
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
      this.byId.delete(id);
      this.byCanonical.delete(`${ref.metric}\u0000${canonicalLabels(ref.labels)}`);
      const rest = (this.byMetric.get(ref.metric) ?? []).filter((r) => r.id !== id);
      if (rest.length) this.byMetric.set(ref.metric, rest);
      else this.byMetric.delete(ref.metric);
    }
    for (const forMetric of this.byRaw.values()) {
      for (const [key, v] of forMetric) if (ids.has(v)) forMetric.delete(key);
    }
  }

  /** Deletes series that retention emptied (inside the caller's transaction; forgotten when it commits). */
  drop(ids: readonly number[]): () => void {
    for (const id of ids) this.remove.run(id);
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

/**
 * The labels as written, as a cache key: names and values joined by NUL,
 * about twice as fast as JSON.stringify on the write path. A value holding
 * a NUL could make two label sets collide, so those take JSON (whose keys
 * start with `{` and cannot meet the joined form, which never does).
 */
function rawKey(labels: Labels | undefined): string {
  let key = '';
  for (const name in labels) {
    const value = labels[name]!;
    if (value.includes('\u0000') || name.includes('\u0000')) return JSON.stringify(labels);
    key += `\u0000${name}\u0000${value}`;
  }
  return key;
}
