import { Type } from '@sinclair/typebox';

/** Power thresholds for `threshold_exceeded` events (docs/api.md); the streams issue fills in the rules. */
export const ThresholdsConfigSchema = Type.Object({}, { default: {} });
