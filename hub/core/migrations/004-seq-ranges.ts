/**
 * Step 4: the dedupe ledger as ranges of stored seqs per node instead of a
 * row per stored batch. An agent's seqs run consecutively, so a node that
 * never lost a batch needs one row however long it runs; the old table grew
 * by a row (and an index entry) per batch, ~600 k rows per node per week of
 * raw retention, and cost two statements per batch. Existing rows are
 * folded into their runs of consecutive seqs ("gaps and islands").
 */
export const SEQ_RANGES_SCHEMA = `
  CREATE TABLE ingested_ranges (
    node_id INTEGER NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    lo INTEGER NOT NULL,
    hi INTEGER NOT NULL,
    -- when the range last grew: a range that has not grown for the raw retention is pruned
    received_at INTEGER NOT NULL,
    PRIMARY KEY (node_id, lo)
  ) WITHOUT ROWID;
  INSERT INTO ingested_ranges (node_id, lo, hi, received_at)
    SELECT node_id, min(seq), max(seq), max(received_at)
    FROM (SELECT node_id, seq, received_at, seq - row_number() OVER (PARTITION BY node_id ORDER BY seq) AS island FROM ingested_seq)
    GROUP BY node_id, island;
  DROP TABLE ingested_seq;
`;
