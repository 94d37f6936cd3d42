import type { StatusMessage } from '../../shared/schema/message.js';
import type { ThresholdEvent } from '../bus.js';
import type { NodeRef, SampleRow } from '../ingest/types.js';
import type { NotificationDraft, Priority } from './notification-store.js';

/** ipmi_sensor_state values (shared/metrics/ipmi.ts): 2 critical, 3 non-recoverable. */
const SENSOR_CRITICAL = 2;
const SENSOR_STATE_NAMES: Readonly<Record<number, string>> = { 2: 'critical', 3: 'non-recoverable' };

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
    for (const [name, source] of Object.entries(status.sources)) {
      const previous = known.get(name);
      // A smaller count means the agent restarted: the new count is the new baseline.
      if (previous === undefined || source.errors <= previous) continue;
      const added = source.errors - previous;
      out.push({
        type: 'warning',
        priority: 'medium',
        category: 'collector_error',
        title: `Collector ${name} failing on ${node.name}`,
        message: `${added} new error${added === 1 ? '' : 's'} from the ${name} collector on ${node.name}${source.reason ? `: ${source.reason}` : ''}.`,
        node: node.name,
        cluster: node.cluster,
        data: { source: name, errors: source.errors, new_errors: added, reason: source.reason, enabled: source.enabled },
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
        data: { scope: e.scope, name: e.name, metric: e.metric, current_value: e.currentValue, threshold: e.threshold, severity: e.severity },
      },
    ];
  }

  /** A stored telemetry batch (bus `samples`): BMC sensors entering critical or worse. */
  fromSamples(node: NodeRef, rows: readonly SampleRow[]): NotificationDraft[] {
    const out: NotificationDraft[] = [];
    for (const row of rows) {
      if (row.metric !== 'ipmi_sensor_state') continue;
      const sensor = row.labels.sensor ?? row.labels.id ?? 'unknown';
      const key = `${node.name}\0${row.labels.id ?? sensor}`;
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
        data: { sensor, sensor_id: row.labels.id ?? null, state: row.value, state_name: state, previous_state: previous, ts: new Date(row.ts).toISOString() },
      });
    }
    return out;
  }
}
