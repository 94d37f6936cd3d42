import type { ThresholdEvent } from '../bus.js';
import type { ThresholdMetric, ThresholdsConfig } from './thresholds-config.js';

/** One watched value now: the fleet's, a cluster's or a node's power; null when nothing reports it. */
export interface Observation {
  scope: ThresholdEvent['scope'];
  name: string | null;
  metric: ThresholdMetric;
  value: number | null;
}

/** The bus event's metric name for each watched value (the API's field names). */
export const EVENT_METRIC: Record<ThresholdMetric, string> = {
  totalWatts: 'total_power_watts',
  gpuWatts: 'gpu_power_watts',
  cpuWatts: 'cpu_power_watts',
};

const LABEL: Record<ThresholdMetric, string> = { totalWatts: 'Total', gpuWatts: 'GPU', cpuWatts: 'CPU' };

/** 0 none, 1 warning, 2 critical. */
type Level = 0 | 1 | 2;
const SEVERITY = { 1: 'warning', 2: 'critical' } as const;

/**
 * Decides when a watched power crosses its warning or critical level. An
 * event goes out when a target enters a higher level than it is in; it
 * leaves a level only once the value falls `hysteresisPercent` below that
 * level, so a value hovering at a threshold raises one event, not one per
 * evaluation. Pure: the caller supplies the values and the time.
 */
export class ThresholdEvaluator {
  private readonly state = new Map<string, Level>();
  private readonly keep: number;

  constructor(private readonly config: ThresholdsConfig) {
    this.keep = 1 - config.hysteresisPercent / 100;
  }

  /** The [warning, critical] watts that apply to a target (0: off). */
  levels(scope: Observation['scope'], name: string | null, metric: ThresholdMetric): [number, number] {
    const c = this.config;
    const named = name === null ? undefined : scope === 'cluster' ? c.clusters[name] : scope === 'node' ? c.nodes[name] : undefined;
    const base = c[scope][metric];
    const own = named?.[metric];
    return [own?.warning ?? base.warning, own?.critical ?? base.critical];
  }

  /** Whether any rule is configured at all (the monitor then need not run). */
  get active(): boolean {
    const sets = [this.config.fleet, this.config.cluster, this.config.node, ...Object.values(this.config.clusters), ...Object.values(this.config.nodes)];
    return sets.some((r) => Object.values(r).some((l) => (l?.warning ?? 0) > 0 || (l?.critical ?? 0) > 0));
  }

  /** The events these observations raise; updates each target's level. */
  evaluate(observations: readonly Observation[], now: number): ThresholdEvent[] {
    const events: ThresholdEvent[] = [];
    for (const o of observations) {
      // A target that stopped reporting keeps its level: its return at the same power is no new crossing.
      if (o.value === null) continue;
      const thresholds = this.levels(o.scope, o.name, o.metric);
      const key = `${o.scope}\u0000${o.name ?? ''}\u0000${o.metric}`;
      const held = this.state.get(key) ?? 0;
      const next = this.nextLevel(o.value, thresholds, held);
      if (next === held) continue;
      if (next === 0) this.state.delete(key);
      else this.state.set(key, next);
      if (next > held) events.push(this.event(o, o.value, thresholds[next - 1]!, next as 1 | 2, now));
    }
    return events;
  }

  private nextLevel(value: number, [warning, critical]: [number, number], held: Level): Level {
    const reached = (t: number) => t > 0 && value >= t;
    const raw: Level = reached(critical) ? 2 : reached(warning) ? 1 : 0;
    if (raw >= held) return raw;
    // Going down: stay in a level until the value falls below its hysteresis band.
    const stays = (t: number) => t > 0 && value >= t * this.keep;
    if (held === 2 && stays(critical)) return 2;
    if (held >= 1 && stays(warning)) return 1;
    return raw;
  }

  private event(o: Observation, value: number, threshold: number, level: 1 | 2, now: number): ThresholdEvent {
    const of = o.scope === 'fleet' ? '' : ` of ${o.scope} ${o.name}`;
    return {
      scope: o.scope,
      name: o.name,
      metric: EVENT_METRIC[o.metric],
      currentValue: value,
      threshold,
      severity: SEVERITY[level],
      message: `${LABEL[o.metric]} power${of} exceeded ${threshold}W`,
      ts: now,
    };
  }
}
