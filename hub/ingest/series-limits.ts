import type { Labels } from '../../shared/schema/message.js';
import type { SeriesAdmission } from '../tsdb/series.js';
import type { SampleRefusalReason, SampleRefusals } from './refusals.js';

export interface SeriesLimits {
  /** Series one node may have at once (retention frees them). */
  perNode: number;
  /** New series one node may create per minute. */
  newPerMinute: number;
  /** Labels of one series, the hub's `cluster` and `node` included. */
  labels: number;
  /** Characters of one label value. */
  labelValueLength: number;
}

const MINUTE = 60_000;
/** Control and format characters (C0, C1, bidi overrides, zero-width): never part of a label an API answer should carry. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}]/u;

/**
 * Per-node limits on series, asked by the store's series index before it
 * creates one (hub/tsdb/series.ts): a known series is never checked again,
 * so the hot path pays nothing. The node is the `node` label, which ingest
 * sets from the authenticated identity (hub/ingest/commit.ts), never from
 * the payload. A refused row is counted in `refusals` for its node and
 * reason; its batch is stored without it. Five batches of unique labels
 * made 200 000 series (and ~500 MB) in 4.6 s before (issue 14, item 7).
 */
export class SeriesLimiter implements SeriesAdmission {
  private readonly held = new Map<string, number>();
  private readonly windows = new Map<string, { start: number; created: number }>();

  constructor(
    private readonly limits: SeriesLimits,
    private readonly refusals: SampleRefusals,
    private readonly now: () => number = Date.now,
  ) {}

  admit(_metric: string, labels: Labels | undefined): boolean {
    const node = labels?.node;
    // Not a node's series (the store written directly, as tests and tools do).
    if (node === undefined) return true;
    const reason = this.refusal(node, labels!);
    if (reason === null) return true;
    this.refusals.add(node, reason);
    return false;
  }

  count(labels: Readonly<Labels>, delta: 1 | -1): void {
    const node = labels.node;
    if (node === undefined) return;
    const n = (this.held.get(node) ?? 0) + delta;
    if (n > 0) this.held.set(node, n);
    else this.held.delete(node);
  }

  /** Series held for `node` now. */
  seriesOf(node: string): number {
    return this.held.get(node) ?? 0;
  }

  private refusal(node: string, labels: Labels): SampleRefusalReason | null {
    let n = 0;
    for (const name in labels) {
      const value = labels[name]!;
      if (value === '') continue;
      if (++n > this.limits.labels) return 'too_many_labels';
      if (value.length > this.limits.labelValueLength) return 'label_too_long';
      if (UNPRINTABLE.test(value)) return 'bad_label_value';
    }
    if (this.seriesOf(node) >= this.limits.perNode) return 'series_limit';
    const t = this.now();
    let w = this.windows.get(node);
    if (!w || t - w.start >= MINUTE) this.windows.set(node, (w = { start: t, created: 0 }));
    if (w.created >= this.limits.newPerMinute) return 'series_rate';
    w.created++;
    return null;
  }
}
