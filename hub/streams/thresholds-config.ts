import { Type, type Static } from '@sinclair/typebox';
import { NAME_PATTERN } from '../../shared/topics.js';

/** Watts; 0 turns the level off (so `KCLOUD_HUB_THRESHOLDS_FLEET_TOTAL_WATTS_WARNING=1500` can set one from the environment). */
const Level = Type.Number({ minimum: 0, default: 0 });
const Levels = Type.Object({ warning: Level, critical: Level }, { default: {} });

/** One set of rules: a warning and a critical level for each watched power. */
export const ThresholdRulesSchema = Type.Object({ totalWatts: Levels, gpuWatts: Levels, cpuWatts: Levels }, { default: {} });
export type ThresholdRules = Static<typeof ThresholdRulesSchema>;
export type ThresholdMetric = keyof ThresholdRules;

/** Overrides carry no defaults: what a named entry leaves out comes from the scope's default rules. */
const OverrideLevels = Type.Object({ warning: Type.Optional(Type.Number({ minimum: 0 })), critical: Type.Optional(Type.Number({ minimum: 0 })) });
const Overrides = Type.Object({ totalWatts: Type.Optional(OverrideLevels), gpuWatts: Type.Optional(OverrideLevels), cpuWatts: Type.Optional(OverrideLevels) });
const Named = Type.Record(Type.String({ pattern: NAME_PATTERN.source }), Overrides, { default: {} });

/**
 * Power thresholds for `threshold_exceeded` events (docs/api-streams.md).
 * `fleet` watches the sum over every node, `cluster` and `node` apply to
 * every cluster and every node, and `clusters.<name>` / `nodes.<name>`
 * replace those defaults for one target, level by level.
 */
export const ThresholdsConfigSchema = Type.Object(
  {
    /** A level, once crossed, clears only when the value falls this many percent below it (no flood while it hovers). */
    hysteresisPercent: Type.Number({ minimum: 0, maximum: 50, default: 5 }),
    /** Thresholds are evaluated at most this often, on new samples. */
    evaluateEvery: Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h)$', default: '1s' }),
    fleet: ThresholdRulesSchema,
    cluster: ThresholdRulesSchema,
    node: ThresholdRulesSchema,
    clusters: Named,
    nodes: Named,
  },
  { default: {} },
);
export type ThresholdsConfig = Static<typeof ThresholdsConfigSchema>;
