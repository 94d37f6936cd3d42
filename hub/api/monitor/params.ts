import { Type, type Static } from '@sinclair/typebox';
import { NAME_PATTERN } from '../../../shared/topics.js';
import { invalidParameter } from '../errors.js';

const Name = Type.String({ pattern: NAME_PATTERN.source, maxLength: 63 });

/** `1m` is a month here (the seed's periods are 1h, 1d, 1w, 1m); as a step, `1m` is a minute. */
export const PERIODS = { '1h': 3_600_000, '1d': 86_400_000, '1w': 7 * 86_400_000, '1m': 30 * 86_400_000 } as const;
export type Period = keyof typeof PERIODS;
const STEP_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Most points one series may have in a response; a finer step over a long range gets 400. */
export const MAX_POINTS = 11_000;

/** The common query parameters of kcloud-monitor-api (every list and time-series endpoint). */
export const CommonQuery = {
  cluster: Type.Optional(Name),
  period: Type.Optional(Type.Union(Object.keys(PERIODS).map((p) => Type.Literal(p)))),
  start_time: Type.Optional(Type.String({ format: 'date-time' })),
  end_time: Type.Optional(Type.String({ format: 'date-time' })),
  step: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,5}[smhd]$' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
};
export const CommonQuerySchema = Type.Object(CommonQuery);
export type CommonQueryValues = Static<typeof CommonQuerySchema>;

export { Name as NameSchema };

export interface ResolvedRange {
  start: number;
  end: number;
  step: number;
  /** As given or defaulted, for the `query` echo some endpoints document. */
  period: Period | null;
  stepText: string;
}

/** Milliseconds of a step such as `5m`. */
export function stepMs(text: string): number {
  return Number(text.slice(0, -1)) * STEP_UNITS[text.slice(-1)]!;
}

/**
 * The time range of a request: start_time/end_time when given (both or
 * either, with the period filling the other side), else the period ending
 * now. Errors name the parameter.
 */
export function resolveRange(q: CommonQueryValues, defaults: { period: Period; step: string }, now = Date.now()): ResolvedRange {
  const period = (q.period as Period | undefined) ?? (q.start_time && q.end_time ? null : defaults.period);
  const span = PERIODS[period ?? defaults.period];
  const end = q.end_time ? Date.parse(q.end_time) : q.start_time ? Math.min(Date.parse(q.start_time) + span, now) : now;
  const start = q.start_time ? Date.parse(q.start_time) : end - span;
  if (!(end > start)) throw invalidParameter('end_time', 'must be after start_time');
  const stepText = q.step ?? defaults.step;
  const step = stepMs(stepText);
  if ((end - start) / step > MAX_POINTS) throw invalidParameter('step', `too fine for the range: at most ${MAX_POINTS} points per series`);
  return { start, end, step, period, stepText };
}

/** Applies limit/offset to a list; returns the page and the metadata the envelope reports. */
export function paginate<T>(items: readonly T[], q: { limit?: number; offset?: number }): { page: T[]; metadata: { total_count: number; limit: number | null; offset: number } } {
  const offset = q.offset ?? 0;
  const page = items.slice(offset, q.limit === undefined ? undefined : offset + q.limit);
  return { page, metadata: { total_count: items.length, limit: q.limit ?? null, offset } };
}
