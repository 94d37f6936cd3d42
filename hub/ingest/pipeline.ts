import type { Statement } from 'better-sqlite3';
import type { Logger } from '../../shared/log.js';
import type { HubBus } from '../bus.js';
import type { HubDb } from '../core/db.js';
import { transactionRunner } from '../core/transaction-runner.js';
import { commitGroup, type Committed, type CommitDeps } from './commit.js';
import type { IngestCounters } from './counters.js';
import { decodeIncoming } from './decode.js';
import type { SeqLedger } from './dedupe.js';
import { GroupCommit } from './group-commit.js';
import { checkIdentity } from './identity.js';
import { NodeStateWriter } from './node-state.js';
import { cleanInventoryText, cleanStatusText } from './node-text.js';
import { SampleRefusals } from './refusals.js';
import { RejectLog } from './reject-log.js';
import { SeriesLimiter, type SeriesLimits } from './series-limits.js';
import type { Accepted, IncomingMessage, IngestOutcome, NodeRef, Rejection, SampleWriter } from './types.js';

export interface IngestOptions {
  db: HubDb;
  writer: SampleWriter;
  /** The dedupe ledger; the hub's maintenance prunes the same instance. */
  ledger: SeqLedger;
  bus: HubBus;
  counters: IngestCounters;
  log: Logger;
  /** Group commit window; 0 groups what arrives in one event-loop turn. */
  groupCommitMs: number;
  /** Messages per group at most. */
  maxGroup: number;
  limits: IngestLimits;
}

/** What ingest refuses of a node's samples (docs/security.md, "Ingest limits"). */
export interface IngestLimits {
  /** A sample stamped later than now plus this is refused. */
  clockToleranceMs: number;
  /** A sample older than this (the raw retention) is refused. */
  retentionMs: number;
  /** Per-node series limits, put on the writer's series index. */
  series: SeriesLimits;
}

/**
 * The ingest steps: decode -> validate -> identity -> (group commit: dedupe
 * -> write) -> ack -> emit. `submit` resolves once the message may be
 * acknowledged: after its commit, or at once when it is rejected (a poisoned
 * QoS 1 message is acknowledged so it is not redelivered forever). It
 * resolves `failed` when the commit failed; the broker then withholds the
 * acknowledgement and the sender retries.
 */
export class Ingest {
  private readonly group: GroupCommit<Accepted, Committed>;
  private readonly rejects: RejectLog;
  private readonly lookupStmt: Statement<[string], NodeRef>;
  private readonly refusals = new SampleRefusals();

  constructor(private readonly o: IngestOptions) {
    const deps: CommitDeps = { inTransaction: transactionRunner(o.db), writer: o.writer, ledger: o.ledger, state: new NodeStateWriter(o.db), refusals: this.refusals };
    o.writer.limitSeries?.(new SeriesLimiter(o.limits.series, this.refusals));
    const commit = (items: Accepted[]) => {
      const now = Date.now();
      try {
        const results = commitGroup(items, deps, now, { earliest: now - o.limits.retentionMs, latest: now + o.limits.clockToleranceMs });
        o.counters.commits.inc();
        return results;
      } finally {
        this.reportRefusals();
      }
    };
    this.group = new GroupCommit(commit, { windowMs: o.groupCommitMs, maxItems: o.maxGroup });
    this.rejects = new RejectLog(o.log);
    this.lookupStmt = o.db.prepare('SELECT id, name, cluster FROM nodes WHERE name = ? AND disabled = 0');
  }

  private lookup = (name: string): NodeRef | null => this.lookupStmt.get(name) ?? null;

  /** Runs one message through the steps; never throws. */
  async submit(m: IncomingMessage): Promise<IngestOutcome> {
    const decoded = decodeIncoming(m.topic, m.payload);
    if (!decoded.ok) return this.reject(m, decoded.rejection, m.sender?.name ?? null);
    const who = checkIdentity(decoded.topic, decoded.msg, m.sender, this.lookup);
    if (!who.ok) return this.reject(m, who.rejection, decoded.topic.node);
    if (decoded.kind === 'status') cleanStatusText(decoded.msg);
    else if (decoded.kind === 'inventory') cleanInventoryText(decoded.msg);
    const accepted = { kind: decoded.kind, node: who.node, msg: decoded.msg } as Accepted;
    let committed: Committed;
    try {
      committed = await this.group.submit(accepted);
    } catch (err) {
      this.o.counters.failures.inc();
      this.o.log.error({ node: who.node.name, err: (err as Error).message }, 'commit failed; message not acknowledged');
      return { status: 'failed', error: err as Error };
    }
    if (committed.status === 'rejected') return this.reject(m, committed.rejection, who.node.name);
    return this.emit(accepted, committed);
  }

  /** Counts, logs and announces (bus `samples-refused`, for notifications) what the last commit refused. */
  private reportRefusals(): void {
    for (const r of this.refusals.take()) {
      this.o.counters.refusedSamples.inc({ node: r.node, reason: r.reason }, r.count);
      this.rejects.refused(r);
      this.o.bus.emit('samples-refused', r);
    }
  }

  private reject(m: IncomingMessage, rejection: Rejection, node: string | null): IngestOutcome {
    this.o.counters.rejected.inc({ reason: rejection.reason });
    this.rejects.rejected(rejection, { node, clientId: m.clientId, topic: m.topic });
    this.o.bus.emit('reject', { rejection, topic: m.topic, clientId: m.clientId, node });
    return { status: 'rejected', rejection };
  }

  private emit(a: Accepted, c: Exclude<Committed, { status: 'rejected' }>): IngestOutcome {
    if (c.status === 'duplicate') {
      this.o.counters.duplicates.inc();
      return { status: 'duplicate' };
    }
    this.o.counters.messages.inc({ kind: a.kind });
    switch (a.kind) {
      case 'telemetry':
        this.o.counters.samples.inc(c.rows.length);
        this.o.bus.emit('samples', { node: a.node, seq: a.msg.seq, rows: c.rows });
        break;
      case 'status':
        this.o.bus.emit('node-status', { node: a.node, status: a.msg, receivedAt: Date.now() });
        break;
      case 'inventory':
        this.o.bus.emit('inventory', { node: a.node, inventory: a.msg.inventory, ts: a.msg.ts, changed: c.inventoryChanged });
        break;
    }
    return { status: 'stored', samples: c.rows.length };
  }

  /** Commits whatever waits for the group window (shutdown). */
  flush(): void {
    this.group.flush();
  }
}
