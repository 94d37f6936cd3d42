import { parseDuration } from '../../shared/duration.js';
import type { Logger } from '../../shared/log.js';
import type { HubBus } from '../bus.js';
import type { Fleet } from '../fleet/fleet.js';
import { fleetPower, sumPower, type PowerTotals } from '../fleet/power.js';
import { ThresholdEvaluator, type Observation } from './threshold-evaluator.js';
import type { ThresholdMetric, ThresholdsConfig } from './thresholds-config.js';

const METRICS: ThresholdMetric[] = ['totalWatts', 'gpuWatts', 'cpuWatts'];

function observe(scope: Observation['scope'], name: string | null, p: PowerTotals): Observation[] {
  return METRICS.map((metric) => ({ scope, name, metric, value: p[metric] }));
}

/**
 * Watches the fleet's current power against the configured thresholds and
 * emits `threshold-exceeded` on the bus. Runs on new samples (the ingest
 * bus), never on a timer of its own and never against the store, and at most
 * once per `evaluateEvery` however many batches arrive.
 */
export class ThresholdMonitor {
  private readonly evaluator: ThresholdEvaluator;
  private readonly everyMs: number;
  private timer: NodeJS.Timeout | null = null;
  private lastRun = -Infinity;
  private readonly onSamples = () => this.schedule();

  constructor(
    private readonly deps: { bus: HubBus; fleet: Fleet; log: Logger },
    config: ThresholdsConfig,
  ) {
    this.evaluator = new ThresholdEvaluator(config);
    this.everyMs = parseDuration(config.evaluateEvery);
  }

  start(): void {
    if (this.evaluator.active) this.deps.bus.on('samples', this.onSamples);
  }

  stop(): void {
    this.deps.bus.off('samples', this.onSamples);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer) return;
    // Evaluated after the bus handlers that update the latest values have run.
    const wait = Math.max(0, this.lastRun + this.everyMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.lastRun = Date.now();
      try {
        this.run(this.lastRun);
      } catch (err) {
        this.deps.log.error({ err: (err as Error).message }, 'threshold evaluation failed');
      }
    }, wait);
  }

  /** Evaluates every target once now (also what a test calls). */
  run(now: number): void {
    const { fleet, bus } = this.deps;
    const nodes = fleetPower(fleet.nodes.list(), fleet.latest, fleet.freshSince(now));
    const observations = [...observe('fleet', null, sumPower(nodes))];
    const clusters = new Map<string, typeof nodes>();
    for (const n of nodes) {
      observations.push(...observe('node', n.node, n));
      const members = clusters.get(n.cluster);
      if (members) members.push(n);
      else clusters.set(n.cluster, [n]);
    }
    for (const [name, members] of clusters) observations.push(...observe('cluster', name, sumPower(members)));
    for (const event of this.evaluator.evaluate(observations, now)) bus.emit('threshold-exceeded', event);
  }
}
