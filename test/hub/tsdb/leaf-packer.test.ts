import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { blockTableSql } from '../../../hub/tsdb/blocks.js';
import { chunkCell, LeafPacker } from '../../../hub/tsdb/leaf-packer.js';
import { HOUR } from '../../../hub/tsdb/options.js';
import { openTsdb } from '../../../hub/tsdb/store.js';
import { OpenStores, tmpDbPath } from './helpers/tmp.js';
import { Fleet } from './helpers/workload.js';

const stores = new OpenStores();
afterEach(() => stores.closeAndCheck());

interface PageStats {
  pages: number;
  unused: number;
  bytes: number;
}

/** dbstat of one table's pages of a type ('leaf', 'overflow'). */
function pageStats(db: Database.Database, table: string, type: string): PageStats {
  const row = db.prepare('SELECT count(*) AS pages, coalesce(sum(unused), 0) AS unused, coalesce(sum(pgsize), 0) AS bytes FROM dbstat WHERE name = ? AND pagetype = ?').get(table, type);
  return row as PageStats;
}

describe('the chunks table cell model', () => {
  // Whole in the leaf, at the largest local size, just past it (tail in the leaf), and with local = minLocal.
  const sizes = [1, 200, 1500, 4000, 4040, 4050, 4100, 4600, 5000, 9000, 13_000];

  it.each(sizes)('gives the leaf bytes and overflow pages SQLite uses for a %i-byte chunk', (dataBytes) => {
    const db = new Database(':memory:');
    try {
      db.exec(blockTableSql());
      const [seriesId, start, count] = [1234, Date.UTC(2026, 0, 5), 3600];
      db.prepare('INSERT INTO chunks (series_id, start, count, data) VALUES (?, ?, ?, ?)').run(seriesId, start, count, new Uint8Array(dataBytes).fill(7));
      const cell = chunkCell(db.pragma('page_size', { simple: true }) as number, seriesId, start, count, dataBytes);
      const leaf = pageStats(db, 'chunks', 'leaf');
      // The only cell of the leaf: the page less its 8-byte header and what is unused. Its rowid is 1 (one byte), the model counts three.
      expect(leaf.bytes - 8 - leaf.unused).toBe(cell.leafBytes - 2);
      expect(pageStats(db, 'chunks', 'overflow').pages).toBe(cell.overflowPages);
    } finally {
      db.close();
    }
  });
});

describe('a seal packing chunks into leaf pages', () => {
  it('picks the largest waiting cell that fits the last leaf, else waits, else the largest', () => {
    const db = new Database(':memory:');
    try {
      db.exec(blockTableSql());
      const packer = new LeafPacker(db);
      // No leaf opened yet: nothing fits, so it waits unless it must write, then takes the largest.
      expect(packer.pick([300, 3000, 1000], false)).toBe(-1);
      expect(packer.pick([300, 3000, 1000], true)).toBe(1);
      const put = db.prepare('INSERT INTO chunks (series_id, start, count, data) VALUES (1, ?, 2, ?)');
      const cell = packer.cellBytes(1, 0, 2, 3000);
      // The first cell goes into the table's root leaf (no page opened, so the model knows nothing yet); the
      // second splits it, the third opens a leaf of its own.
      for (let i = 0; i < 3; i++) packer.write(cell, () => put.run(i, new Uint8Array(3000)));
      // ~1 KiB left in that leaf: the largest waiting cell that fits is picked, the one that does not waits.
      const left = 4096 - 8 - cell.leafBytes;
      expect(packer.pick([left + 50, 300, left - 100], false)).toBe(2);
      expect(packer.pick([left + 50, 3000], false)).toBe(-1);
    } finally {
      db.close();
    }
  });

  it('leaves under 8 % of the chunks leaf pages unused on the fleet workload (5 %, the last leaf half full; 15 % when written in series order)', () => {
    const file = tmpDbPath();
    const start = Date.UTC(2026, 0, 5);
    const { db } = stores.track(openTsdb(file, { isCounter: (m) => m === 'gpu_energy_joules', now: () => start + 3 * HOUR }), file);
    const fleet = new Fleet(2, 8, start, 1, 12);
    for (let s = 0; s < 3600; s++) db.write(fleet.next());
    db.flush();
    const samples = db.readSamples(1, start, start + HOUR).ts.length;
    db.close();
    const ro = new Database(file, { readonly: true });
    try {
      const leaf = pageStats(ro, 'chunks', 'leaf');
      expect(samples).toBe(3600);
      expect(leaf.pages).toBeGreaterThan(20);
      expect(leaf.unused / leaf.bytes).toBeLessThan(0.08);
    } finally {
      ro.close();
    }
  });
});
