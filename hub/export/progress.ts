import type { Logger } from '../../shared/log.js';
import type { Row } from './table.js';

export interface ProgressOptions {
  /** A progress line at least every this many rows... */
  everyRows?: number;
  /** ...or this many ms, whichever comes first. */
  everyMs?: number;
  now?: () => number;
}

/** Logs an export's progress (rows done) every N rows or seconds, and its end. */
export class ExportProgress {
  rows = 0;
  private readonly startedAt: number;
  private lastRows = 0;
  private lastAt: number;
  private readonly everyRows: number;
  private readonly everyMs: number;
  private readonly now: () => number;

  constructor(
    private readonly log: Logger,
    private readonly what: Record<string, unknown>,
    opts: ProgressOptions = {},
  ) {
    this.everyRows = opts.everyRows ?? 50_000;
    this.everyMs = opts.everyMs ?? 5_000;
    this.now = opts.now ?? Date.now;
    this.startedAt = this.lastAt = this.now();
  }

  row(): void {
    this.rows++;
    if (this.rows - this.lastRows >= this.everyRows || this.now() - this.lastAt >= this.everyMs) {
      this.lastRows = this.rows;
      this.lastAt = this.now();
      this.log.info({ ...this.what, rows: this.rows, elapsed_ms: this.lastAt - this.startedAt }, 'export progress');
    }
  }

  done(): void {
    this.log.info({ ...this.what, rows: this.rows, elapsed_ms: this.now() - this.startedAt }, 'export finished');
  }
}

/** Passes rows through, counting each on `progress`. */
export async function* counted<T extends Row>(rows: AsyncIterable<T>, progress: ExportProgress): AsyncGenerator<T> {
  for await (const row of rows) {
    progress.row();
    yield row;
  }
}

/**
 * Reads the first row before the reply starts, so a store failure on the
 * first window is still an ordinary error response; the rest stays lazy.
 */
export async function prefetch<T>(rows: AsyncIterable<T>): Promise<AsyncIterable<T>> {
  const it = rows[Symbol.asyncIterator]();
  const first = await it.next();
  return {
    async *[Symbol.asyncIterator]() {
      if (first.done) return;
      try {
        yield first.value;
        for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
      } finally {
        // A consumer that stops early (PDF row cap, client gone) closes the source too.
        await it.return?.();
      }
    },
  };
}
