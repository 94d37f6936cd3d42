import { Counter, Registry } from 'prom-client';
import type { SampleRefusalReason } from './refusals.js';
import { REJECT_REASONS, type RejectReason } from './types.js';

/** Ingest counters in the hub's prom-client registry (served on /metrics by the API, copied to status.json by the runtime). */
export class IngestCounters {
  readonly messages: Counter<'kind'>;
  readonly samples: Counter;
  readonly duplicates: Counter;
  readonly rejected: Counter<'reason'>;
  readonly refusedSamples: Counter<'node' | 'reason'>;
  readonly failures: Counter;
  readonly commits: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.messages = new Counter({ name: 'ingest_messages_total', help: 'Messages stored, by kind', labelNames: ['kind'], registers });
    this.samples = new Counter({ name: 'ingest_samples_total', help: 'Samples in stored telemetry batches (the store itself drops any older than the raw retention)', registers });
    this.duplicates = new Counter({ name: 'ingest_duplicates_total', help: 'Telemetry batches received again (same node and seq) and not stored twice', registers });
    this.rejected = new Counter({ name: 'ingest_rejected_total', help: 'Messages refused by ingest (acknowledged, not stored), by reason', labelNames: ['reason'], registers });
    this.refusedSamples = new Counter({
      name: 'ingest_samples_refused_total',
      help: 'Samples of stored batches refused by an ingest limit (timestamp out of range, series limits), by node and reason',
      labelNames: ['node', 'reason'],
      registers,
    });
    this.failures = new Counter({ name: 'ingest_failures_total', help: 'Messages not acknowledged because the commit failed (the sender retries)', registers });
    this.commits = new Counter({ name: 'ingest_commits_total', help: 'Group commits (one transaction each)', registers });
    // Present from the start at 0, so a rate() over them works before the first rejection.
    for (const reason of REJECT_REASONS) this.rejected.inc({ reason }, 0);
  }

  /** Current values, for status.json and tests. */
  async snapshot(): Promise<IngestSnapshot> {
    const one = async (c: Counter) => (await c.get()).values[0]?.value ?? 0;
    const byLabel = async <L extends string>(c: Counter<L>, label: L) =>
      Object.fromEntries((await c.get()).values.map((v) => [String(v.labels[label]), v.value]));
    return {
      messages: await byLabel(this.messages, 'kind'),
      samples: await one(this.samples),
      duplicates: await one(this.duplicates),
      rejected: (await byLabel(this.rejected, 'reason')) as Record<RejectReason, number>,
      refusedSamples: await this.refusedByNode(),
      failures: await one(this.failures),
      commits: await one(this.commits),
    };
  }

  /** Refused samples as node -> reason -> count. */
  private async refusedByNode(): Promise<Record<string, Partial<Record<SampleRefusalReason, number>>>> {
    const out: Record<string, Partial<Record<SampleRefusalReason, number>>> = {};
    for (const v of (await this.refusedSamples.get()).values) {
      (out[String(v.labels.node)] ??= {})[v.labels.reason as SampleRefusalReason] = v.value;
    }
    return out;
  }
}

export interface IngestSnapshot {
  messages: Record<string, number>;
  samples: number;
  duplicates: number;
  rejected: Record<RejectReason, number>;
  /** Samples refused out of stored batches, per node and reason (only those with any). */
  refusedSamples: Record<string, Partial<Record<SampleRefusalReason, number>>>;
  failures: number;
  commits: number;
}
