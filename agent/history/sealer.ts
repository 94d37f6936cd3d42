import type Database from 'better-sqlite3';
import { summarize } from '../../shared/query/bucket.js';
import { decodeChunk, encodeChunk, mergePoints } from './chunk.js';
import { MINUTE_MS } from './schema.js';

type ChunkRow = { offsets: Buffer; vals: Buffer };

/**
 * Moves whole minutes from `head` into `chunks`, in the caller's
 * transaction, so a reader sees each sample exactly once. A sample that
 * arrives after its minute was sealed waits in `head` and is merged into the
 * existing chunk at the next seal.
 */
export class Sealer {
  private readonly stmt;

  constructor(db: Database.Database) {
    this.stmt = {
      due: db.prepare<[number], [number, number, number]>('SELECT series_id, ts, value FROM head WHERE ts < ? ORDER BY ts').raw(),
      existing: db.prepare<[number, number], ChunkRow>('SELECT offsets, vals FROM chunks WHERE series_id = ? AND minute = ?'),
      put: db.prepare<[number, number, number, number, number, number, number, number, number, Buffer, Buffer]>(
        'INSERT OR REPLACE INTO chunks (series_id, minute, count, min, max, sum, first, last, increase, offsets, vals) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      clear: db.prepare<[number]>('DELETE FROM head WHERE ts < ?'),
    };
  }

  /** Seals every head sample older than `before` (a whole minute); returns the chunks written. */
  seal(before: number): number {
    // Scanned in key order (ts) and grouped here: asking SQLite for series order would sort the whole head.
    const bySeries = new Map<number, [number, number][]>();
    for (const [id, ts, value] of this.stmt.due.all(before)) {
      const points = bySeries.get(id);
      if (points) points.push([ts, value]);
      else bySeries.set(id, [[ts, value]]);
    }
    let written = 0;
    for (const [id, points] of bySeries) {
      let from = 0;
      while (from < points.length) {
        const minute = Math.floor(points[from]![0] / MINUTE_MS) * MINUTE_MS;
        let to = from + 1;
        while (to < points.length && points[to]![0] < minute + MINUTE_MS) to++;
        this.write(id, minute, points.slice(from, to));
        written++;
        from = to;
      }
    }
    this.stmt.clear.run(before);
    return written;
  }

  private write(id: number, minute: number, fresh: [number, number][]): void {
    const old = this.stmt.existing.get(id, minute);
    const points = old ? mergePoints(decodeChunk(minute, { offsets: old.offsets, values: old.vals }), fresh) : fresh;
    const b = summarize(minute, points.map(([, v]) => v))!;
    const enc = encodeChunk(minute, points);
    this.stmt.put.run(id, minute, b.count, b.min, b.max, b.sum, b.first, b.last, b.increase, enc.offsets, enc.values);
  }
}
