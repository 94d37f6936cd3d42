import type { InventoryMessage, StatusMessage, TelemetryMessage } from '../../shared/schema/message.js';
import type { SeriesAdmission } from '../tsdb/series.js';

/** One sample as the store takes it: labels include `cluster` and `node`. */
export interface SampleRow {
  metric: string;
  labels: Record<string, string>;
  ts: number;
  value: number;
  /** The store's series id, set when the row was written (see TsdbRow.seriesId). */
  seriesId?: number;
}

/** A row the store has written: it carries its series id. */
export type StoredRow = SampleRow & { seriesId: number };

/**
 * What ingest needs from the time-series store (hub/tsdb implements it):
 * `write` commits all rows in one transaction and returns after the commit,
 * storing the same (series, ts) twice keeps one sample, and every row it
 * did not reject (too old for retention) gets its `seriesId`.
 */
export interface SampleWriter {
  write(rows: SampleRow[]): { rejected: number };
  /** Puts new series under ingest's per-node limits; a writer without it has none. */
  limitSeries?(admission: SeriesAdmission): void;
}

/** The node a message is accepted for. */
export interface NodeRef {
  id: number;
  name: string;
  cluster: string;
}

/** A message as the broker hands it over. `sender` is the authenticated node (embedded broker) or null (external broker). */
export interface IncomingMessage {
  topic: string;
  payload: Buffer;
  sender: NodeRef | null;
  /** Client id, for logs. */
  clientId: string;
}

export const REJECT_REASONS = [
  'too_large',
  'too_deep',
  'not_json',
  // A payload that starts as CBOR (shared/schema/cbor.ts) but does not decode, or holds a tag that is not plain data.
  'not_cbor',
  'bad_version',
  'missing_field',
  'invalid_field',
  'bad_topic',
  'unknown_node',
  'identity_mismatch',
  // The message alone failed its commit (the rest of its group committed): acknowledged, so it is not resent forever.
  'unprocessable',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface Rejection {
  reason: RejectReason;
  /** JSON pointer of the offending field, `/` for the whole payload. */
  field: string;
  message: string;
}

/** A message that passed decode, validation and the identity check, waiting for the group commit. */
export type Accepted =
  | { kind: 'telemetry'; node: NodeRef; msg: TelemetryMessage }
  | { kind: 'status'; node: NodeRef; msg: StatusMessage }
  | { kind: 'inventory'; node: NodeRef; msg: InventoryMessage };

/** What happened to a message; every outcome except `failed` may be acknowledged. */
export type IngestOutcome =
  | { status: 'stored'; samples: number }
  | { status: 'duplicate' }
  | { status: 'rejected'; rejection: Rejection }
  | { status: 'failed'; error: Error };
