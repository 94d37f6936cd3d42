import type { StatusMessage } from '../../shared/schema/message.js';
import { safeText } from '../../shared/schema/safe-text.js';
import type { ClusterHealthEvent, ThresholdEvent, VmStatusEvent } from '../bus.js';
import type { RefusedSamples, SampleRefusalReason } from '../ingest/refusals.js';
import type { NodeRef, SampleRow } from '../ingest/types.js';
import type { NotificationDraft, Priority } from './notification-store.js';

/** ipmi_sensor_state values (shared/metrics/ipmi.ts): 2 critical, 3 non-recoverable. */
const SENSOR_CRITICAL = 2;
const SENSOR_STATE_NAMES: Readonly<Record<number, string>> = { 2: 'critical', 3: 'non-recoverable' };
/** Longest node-supplied name (sensor, collector) and free text (a collector's reason) a notification carries. */
const NAME_MAX = 64;
const TEXT_MAX = 300;
/** Longest VM name (the creator's free text) a notification carries. */
const VM_NAME_MAX = 128;

/** How each VM status reads to the workspace: failures stand out, the rest is information. */
const VM_STATUS_LOOK: Readonly<Record<VmStatusEvent['status'], Pick<NotificationDraft, 'type' | 'priority'>>> = {
  pending: { type: 'info', priority: 'low' },
  running: { type: 'success', priority: 'low' },
  stopping: { type: 'info', priority: 'low' },
  stopped: { type: 'info', priority: 'low' },
  terminating: { type: 'info', priority: 'low' },
  terminated: { type: 'info', priority: 'low' },
  failed: { type: 'error', priority: 'high' },
};

/** What each refusal means to an operator, and the config key that sets it. */
const REFUSAL_TEXT: Readonly<Record<SampleRefusalReason, string>> = {
  future_timestamp: 'stamped later than now plus ingest.limits.clockTolerance (is its clock ahead?)',
  too_old: 'older than retention.raw',
  series_limit: 'of new series beyond ingest.limits.seriesPerNode',
  series_rate: 'of new series beyond ingest.limits.newSeriesPerMinute',
  too_many_labels: 'of new series with more labels than ingest.limits.labelsPerSeries',
  label_too_long: 'of new series with a label value longer than ingest.limits.labelValueLength',
  bad_label_value: 'of new series with control characters in a label value',
};

export interface GeneratorOptions {
  /** A threshold that stays exceeded is reported again after this long, not on every evaluation. */
  thresholdRepeatMs: number;
}

/**
 * Turns hub events into notification drafts. It remembers just enough to
 * report changes, not states: a node going offline (and back), a collector's
 * error counter growing since the node's previous status, a BMC sensor
 * entering critical. The first status of a node after a hub start is only a
 * baseline for the error counters (they count since the agent started, so
 * an old count is not news). No I/O: the service stores and delivers.
 * Every string a node supplied (sensor and collector names, error texts)
 * passes safeText; `subject` names what a draft is about within its node
 * and category, for the service's deduplication (notification-limiter.ts).
 */
export class NotificationGenerator {
  private readonly nodeState = new Map<string, StatusMessage['state']>();
  private readonly sourceErrors = new Map<string, Map<string, number>>();
  private readonly sensorState = new Map<string, number>();
  private readonly thresholdSent = new Map<string, number>();

  constructor(private readonly opts: GeneratorOptions) {}

  /** A node's status message (bus `node-status`). */
  fromStatus(node: NodeRef, status: StatusMessage): NotificationDraft[] {
    const out: NotificationDraft[] = [];
    const before = this.nodeState.get(node.name);
    this.nodeState.set(node.name, status.state);
    if (status.state === 'offline' && before !== 'offline') {
      out.push({
        type: 'error',
        priority: 'high',
        category: 'node_offline',
        title: `Node ${node.name} is offline`,
        message: `The agent on ${node.name} (cluster ${node.cluster}) went offline; its telemetry has stopped.`,
        node: node.name,
        cluster: node.cluster,
        data: { state: status.state, previous_state: before ?? 'unknown' },
      });
    } else if (status.state === 'online' && before === 'offline') {
      out.push({
        type: 'success',
        priority: 'low',
        category: 'node_online',
        title: `Node ${node.name} is back online`,
        message: `The agent on ${node.name} (cluster ${node.cluster}) reconnected.`,
        node: node.name,
        cluster: node.cluster,
        data: { state: status.state, previous_state: before },
      });
    }
    out.push(...this.collectorErrors(node, status));
    return out;
  }

  private collectorErrors(node: NodeRef, status: StatusMessage): NotificationDraft[] {
    if (!status.sources) return [];
    const known = this.sourceErrors.get(node.name);
    const next = new Map(Object.entries(status.sources).map(([name, s]) => [name, s.errors]));
    this.sourceErrors.set(node.name, next);
    if (!known) return [];
    const out: NotificationDraft[] = [];
    for (const [sourceName, source] of Object.entries(status.sources)) {
      const previous = known.get(sourceName);
      // A smaller count means the agent restarted: the new count is the new baseline.
      if (previous === undefined || source.errors <= previous) continue;
      const added = source.errors - previous;
      const name = safeText(sourceName, NAME_MAX);
      const reason = safeText(source.reason, TEXT_MAX);
      out.push({
        type: 'warning',
        priority: 'medium',
        category: 'collector_error',
        title: `Collector ${name} failing on ${node.name}`,
        message: `${added} new error${added === 1 ? '' : 's'} from the ${name} collector on ${node.name}${reason ? `: ${reason}` : ''}.`,
        node: node.name,
        cluster: node.cluster,
        subject: name,
        data: { source: name, errors: source.errors, new_errors: added, reason, enabled: source.enabled },
      });
    }
    return out;
  }

  /** A power threshold crossed (bus `threshold-exceeded`); repeated at most every `thresholdRepeatMs` per threshold. */
  fromThreshold(e: ThresholdEvent): NotificationDraft[] {
    const key = [e.scope, e.name ?? '', e.metric, e.severity].join('\0');
    const last = this.thresholdSent.get(key);
    if (last !== undefined && e.ts - last < this.opts.thresholdRepeatMs) return [];
    this.thresholdSent.set(key, e.ts);
    const where = e.scope === 'fleet' ? 'the fleet' : `${e.scope} ${e.name}`;
    return [
      {
        type: e.severity === 'critical' ? 'error' : 'warning',
        priority: e.severity === 'critical' ? 'critical' : 'high',
        category: 'threshold_exceeded',
        title: `${e.severity === 'critical' ? 'Critical' : 'Warning'}: ${e.metric} threshold exceeded by ${where}`,
        message: e.message,
        node: e.scope === 'node' ? e.name : null,
        cluster: e.scope === 'cluster' ? e.name : null,
        subject: `${e.metric}\0${e.severity}`,
        data: { scope: e.scope, name: e.name, metric: e.metric, current_value: e.currentValue, threshold: e.threshold, severity: e.severity },
      },
    ];
  }

  /** A registered Proxmox cluster's health changed (bus `cluster-health`). */
  fromClusterHealth(e: ClusterHealthEvent): NotificationDraft[] {
    const bad = e.status === 'unhealthy';
    return [
      {
        type: e.status === 'healthy' ? 'success' : bad ? 'error' : 'warning',
        priority: bad ? 'high' : e.status === 'healthy' ? 'low' : 'medium',
        category: 'cluster_health',
        title: `Proxmox cluster ${e.name} is ${e.status}`,
        message: e.reason ? `${e.name} went from ${e.previous} to ${e.status}: ${e.reason}` : `${e.name} went from ${e.previous} to ${e.status}.`,
        node: null,
        cluster: e.name,
        subject: e.status,
        data: { cluster_id: e.id, status: e.status, previous_status: e.previous, reason: e.reason },
      },
    ];
  }

  /**
   * A cloud VM's transition (bus `vm-status-changed`). `scope` keeps the
   * limiter's counts per VM and `subject` is the status, so a status the
   * create call and the reconciler both report is notified once.
   */
  fromVmStatus(e: VmStatusEvent): NotificationDraft[] {
    const name = safeText(e.name, VM_NAME_MAX);
    return [
      {
        ...VM_STATUS_LOOK[e.status],
        category: 'vm_status',
        title: `VM ${name} is ${e.status}`,
        message: e.previous ? `The VM ${name} went from ${e.previous} to ${e.status}.` : `The VM ${name} is ${e.status}.`,
        node: null,
        cluster: null,
        scope: `VM ${name} (${e.vmId})`,
        subject: e.status,
        data: { vm_id: e.vmId, vm_name: name, workspace_id: e.workspaceId, status: e.status, previous_status: e.previous },
      },
    ];
  }

  /** A stored telemetry batch (bus `samples`): BMC sensors entering critical or worse. */
  fromSamples(node: NodeRef, rows: readonly SampleRow[]): NotificationDraft[] {
    const out: NotificationDraft[] = [];
    for (const row of rows) {
      if (row.metric !== 'ipmi_sensor_state') continue;
      const sensor = safeText(row.labels.sensor ?? row.labels.id ?? 'unknown', NAME_MAX);
      const sensorId = row.labels.id === undefined ? null : safeText(row.labels.id, NAME_MAX);
      const key = `${node.name}\0${row.labels.id ?? row.labels.sensor ?? 'unknown'}`;
      const previous = this.sensorState.get(key) ?? 0;
      this.sensorState.set(key, row.value);
      if (row.value < SENSOR_CRITICAL || row.value <= previous) continue;
      const state = SENSOR_STATE_NAMES[row.value] ?? `state ${row.value}`;
      const priority: Priority = row.value > SENSOR_CRITICAL ? 'critical' : 'high';
      out.push({
        type: 'error',
        priority,
        category: 'bmc_sensor_critical',
        title: `BMC sensor ${sensor} ${state} on ${node.name}`,
        message: `The BMC of ${node.name} reports sensor "${sensor}" in ${state} state.`,
        node: node.name,
        cluster: node.cluster,
        subject: sensorId ?? sensor,
        data: { sensor, sensor_id: sensorId, state: row.value, state_name: state, previous_state: previous, ts: new Date(row.ts).toISOString() },
      });
    }
    return out;
  }

  /** Samples an ingest limit refused (bus `samples-refused`); the service keeps it to one per node and reason a while. */
  fromRefusal(r: RefusedSamples): NotificationDraft[] {
    return [
      {
        type: 'warning',
        priority: 'high',
        category: 'ingest_refused',
        title: `Samples from node ${r.node} refused: ${r.reason}`,
        message: `The hub refused ${r.count} sample${r.count === 1 ? '' : 's'} from ${r.node} ${REFUSAL_TEXT[r.reason]}; the rest of its batches is stored. ingest_samples_refused_total on /metrics counts every one.`,
        node: r.node,
        cluster: null,
        subject: r.reason,
        data: { reason: r.reason, samples: r.count },
      },
    ];
  }
}
