import type Database from 'better-sqlite3';
import type { BlockTables } from './blocks.js';
import type { Head } from './head.js';
import type { HeadRollups } from './head-rollups.js';
import type { HeadLog } from './head-log.js';
import type { ResolvedOptions } from './options.js';
import type { RollupCache } from './rollup-cache.js';
import type { SeriesIndex } from './series.js';
import type { TimestampColumns } from './timestamps.js';

/** The pieces of an open store, handed to the operations split over seal.ts, query.ts and retention-apply.ts. */
export interface StoreParts {
  db: Database.Database;
  opts: ResolvedOptions;
  series: SeriesIndex;
  head: Head;
  headRollups: HeadRollups;
  log: HeadLog;
  blocks: BlockTables;
  /** Decoded rollup blocks; BlockTables tells it of every change. */
  rollupCache: RollupCache;
  timestamps: TimestampColumns;
  state: {
    /** Start of the newest window that has a chunk: newer head windows need no chunk lookup. */
    lastSealedWindow: number;
  };
}
