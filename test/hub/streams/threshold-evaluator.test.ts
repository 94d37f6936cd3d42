import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { loadHubConfig } from '../../../hub/config.js';
import { ThresholdEvaluator, type Observation } from '../../../hub/streams/threshold-evaluator.js';
import { ThresholdsConfigSchema, type ThresholdsConfig } from '../../../hub/streams/thresholds-config.js';

const config = (c: unknown): ThresholdsConfig => Value.Default(ThresholdsConfigSchema, c) as ThresholdsConfig;
const fleetTotal = (value: number | null): Observation => ({ scope: 'fleet', name: null, metric: 'totalWatts', value });

describe('ThresholdEvaluator', () => {
  it('raises one event per crossing, not one per evaluation while the value hovers (hysteresis)', () => {
    const ev = new ThresholdEvaluator(config({ hysteresisPercent: 10, fleet: { totalWatts: { warning: 1000, critical: 2000 } } }));
    const run = (values: number[]) => values.map((v, i) => ev.evaluate([fleetTotal(v)], i).map((e) => [e.severity, e.threshold, e.currentValue]));
    expect(run([900, 1000, 990, 1005, 950, 901])).toEqual([[], [['warning', 1000, 1000]], [], [], [], []]);
    // Below 90 % of the level it clears; the next crossing is a new event.
    expect(run([899, 1001])).toEqual([[], [['warning', 1000, 1001]]]);
    // Escalation to critical is an event; hovering at critical is not; dropping to warning is silent, re-escalating is one.
    expect(run([2100, 1950, 2050, 1700, 2000])).toEqual([[['critical', 2000, 2100]], [], [], [], [['critical', 2000, 2000]]]);
  });

  it('jumps straight to critical with one event, and ignores a missing value', () => {
    const ev = new ThresholdEvaluator(config({ fleet: { totalWatts: { warning: 1000, critical: 2000 } } }));
    expect(ev.evaluate([fleetTotal(5000)], 1).map((e) => e.severity)).toEqual(['critical']);
    expect(ev.evaluate([fleetTotal(null)], 2)).toEqual([]);
    expect(ev.evaluate([fleetTotal(5000)], 3)).toEqual([]);
  });

  it('applies per-cluster and per-node overrides metric by metric over the defaults', () => {
    const ev = new ThresholdEvaluator(config({ node: { gpuWatts: { warning: 500, critical: 900 }, cpuWatts: { warning: 300 } }, nodes: { big: { gpuWatts: { warning: 2000 } } } }));
    expect(ev.levels('node', 'small', 'gpuWatts')).toEqual([500, 900]);
    expect(ev.levels('node', 'big', 'gpuWatts')).toEqual([2000, 900]);
    expect(ev.levels('node', 'big', 'cpuWatts')).toEqual([300, 0]);
    const events = ev.evaluate(
      [
        { scope: 'node', name: 'small', metric: 'gpuWatts', value: 800 },
        { scope: 'node', name: 'big', metric: 'gpuWatts', value: 800 },
      ],
      7,
    );
    expect(events).toEqual([{ scope: 'node', name: 'small', metric: 'gpu_power_watts', currentValue: 800, threshold: 500, severity: 'warning', message: 'GPU power of node small exceeded 500W', ts: 7 }]);
  });

  it('is inactive without rules, and a level of 0 is off', () => {
    expect(new ThresholdEvaluator(config({})).active).toBe(false);
    const ev = new ThresholdEvaluator(config({ cluster: { cpuWatts: { critical: 100 } } }));
    expect(ev.active).toBe(true);
    expect(ev.evaluate([{ scope: 'cluster', name: 'c', metric: 'cpuWatts', value: 150 }], 1).map((e) => e.severity)).toEqual(['critical']);
    expect(ev.evaluate([{ scope: 'cluster', name: 'c', metric: 'totalWatts', value: 1e9 }], 1)).toEqual([]);
  });

  it('takes levels from the hub config file and environment overrides', () => {
    const c = loadHubConfig(undefined, { KCLOUD_HUB_THRESHOLDS_FLEET_TOTAL_WATTS_WARNING: '1500', KCLOUD_HUB_THRESHOLDS_HYSTERESIS_PERCENT: '2' });
    expect(c.thresholds.fleet.totalWatts).toEqual({ warning: 1500, critical: 0 });
    expect(c.thresholds.hysteresisPercent).toBe(2);
    expect(() => loadHubConfig(undefined, { KCLOUD_HUB_THRESHOLDS_FLEET_TOTAL_WATTS_WARNING: '-1' })).toThrow(/thresholds.fleet.totalWatts.warning/);
  });
});
