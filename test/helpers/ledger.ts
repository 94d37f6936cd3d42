import type Database from 'better-sqlite3';

/** The seqs hub.db's dedupe ledger records as stored for a node (its ranges, expanded). */
export function storedSeqs(db: Database.Database, node: string): Set<number> {
  const ranges = db.prepare('SELECT lo, hi FROM ingested_ranges JOIN nodes ON nodes.id = node_id WHERE name = ? ORDER BY lo').all(node) as { lo: number; hi: number }[];
  const seqs = new Set<number>();
  for (const { lo, hi } of ranges) for (let s = lo; s <= hi; s++) seqs.add(s);
  return seqs;
}

/** How many ledger ranges hold `seq` (any node): 1 once stored, 0 before. */
export function rangesHolding(db: Database.Database, seq: number): number {
  return (db.prepare('SELECT count(*) AS n FROM ingested_ranges WHERE ? BETWEEN lo AND hi').get(seq) as { n: number }).n;
}

/** The whole ledger, for before/after comparisons. */
export function ledgerRows(db: Database.Database): unknown[] {
  return db.prepare('SELECT node_id, lo, hi FROM ingested_ranges ORDER BY node_id, lo').all();
}
