import type Database from 'better-sqlite3';

/**
 * Chooses the order in which a seal writes its chunks, so the chunks
 * table's leaf pages fill up. The table is a rowid table written by
 * appends, and SQLite starts a new leaf page whenever the next cell does
 * not fit the last one (balance_quick), which is left as it is: chunk
 * cells of 0.1-4 KiB written in series order left 18.6 % of the leaf bytes
 * unused on issue 20's data set (an idle power chunk of 3.7 KiB after
 * 1 KiB of small ones opens a page and strands 3 KiB). The seal keeps a
 * few encoded chunks waiting (seal.ts) and writes next the largest whose
 * cell fits what the last leaf has left, else, when enough wait, the
 * largest of all, which opens a page the small ones then fill. The leaf's
 * free space is modelled from SQLite's cell layout and resynchronised at
 * every write from the pages it allocated: a write that took more pages
 * than its overflow chain opened a leaf.
 */
export class LeafPacker {
  /** Modelled free bytes of the table's last leaf page; 0 until a write opened one. */
  private free = 0;
  private readonly usable: number;
  private readonly st: { pages: Database.Statement<[]>; freePages: Database.Statement<[]> };

  constructor(db: Database.Database) {
    this.usable = db.pragma('page_size', { simple: true }) as number;
    this.st = { pages: db.prepare('PRAGMA page_count').pluck(), freePages: db.prepare('PRAGMA freelist_count').pluck() };
  }

  /**
   * Which of the waiting cells (bytes, from cellBytes) to write next: the
   * largest that fits the last leaf, else, when `mustWrite`, the largest;
   * -1 when none fits and more may be encoded first.
   */
  pick(cells: readonly number[], mustWrite: boolean): number {
    let best = -1;
    for (let i = 0; i < cells.length; i++) if (cells[i]! <= this.free && (best < 0 || cells[i]! > cells[best]!)) best = i;
    if (best >= 0 || !mustWrite) return best;
    for (let i = 0; i < cells.length; i++) if (best < 0 || cells[i]! > cells[best]!) best = i;
    return best;
  }

  /** Runs `write` (the chunk's INSERT) and updates the model from the pages it allocated. */
  write(cell: CellSize, write: () => void): void {
    const before = this.allocated();
    write();
    const opened = this.allocated() - before > cell.overflowPages;
    this.free = (opened ? this.usable - LEAF_HEADER : this.free) - cell.leafBytes;
    // A cell the model thought fitted, yet no page opened before it: the model was behind; start over.
    if (this.free < 0) this.free = 0;
  }

  /** Leaf bytes and overflow pages of a chunks row (series_id, start, count, data). */
  cellBytes(seriesId: number, start: number, count: number, dataBytes: number): CellSize {
    return chunkCell(this.usable, seriesId, start, count, dataBytes);
  }

  /** Pages taken from the file or its free list so far. */
  private allocated(): number {
    return (this.st.pages.get() as number) - (this.st.freePages.get() as number);
  }
}

export interface CellSize {
  /** Bytes the cell takes in its leaf page, with its 2-byte cell pointer. */
  leafBytes: number;
  overflowPages: number;
}

const LEAF_HEADER = 8;
/** Bytes of a rowid varint for the chunk counts the table reaches (2^14 - 2^21 rows); a byte off only blurs the model. */
const ROWID_BYTES = 3;

/**
 * SQLite's table b-tree cell of a chunks row, for a usable page size `u`
 * (btreeParseCellPtr, "payload that fits on the page"): the record (header
 * of serial types, then the integers in their shortest size and the blob)
 * stays whole in the leaf up to u - 35 bytes; a larger one keeps
 * minLocal + (size - minLocal) % (u - 4) bytes there (or minLocal, when that
 * is more than u - 35) and the rest in overflow pages.
 */
export function chunkCell(u: number, seriesId: number, start: number, count: number, dataBytes: number): CellSize {
  // Record header: its own length, then one serial-type byte per integer column and the blob's varint.
  const header = 1 + 3 + varintBytes(dataBytes * 2 + 12);
  const payload = header + intBytes(seriesId) + intBytes(start) + intBytes(count) + dataBytes;
  const maxLocal = u - 35;
  const minLocal = Math.floor(((u - 12) * 32) / 255) - 23;
  let local = payload;
  let overflowPages = 0;
  if (payload > maxLocal) {
    local = minLocal + ((payload - minLocal) % (u - 4));
    if (local > maxLocal) local = minLocal;
    overflowPages = Math.ceil((payload - local) / (u - 4));
    local += 4;
  }
  return { leafBytes: varintBytes(payload) + ROWID_BYTES + local + 2, overflowPages };
}

/** Bytes of an integer in a record: 0 and 1 are serial types of their own, others take the shortest size. */
function intBytes(v: number): number {
  if (v === 0 || v === 1) return 0;
  const a = v < 0 ? -v - 1 : v;
  return a < 128 ? 1 : a < 32768 ? 2 : a < 8388608 ? 3 : a < 2147483648 ? 4 : a < 140737488355328 ? 6 : 8;
}

function varintBytes(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}
