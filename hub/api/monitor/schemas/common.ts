import { Type, type TProperties, type TSchema } from '@sinclair/typebox';

/*
 * Response schemas serve twice: /docs/json documents them and Fastify
 * serialises the answers with them (fast-json-stringify). That serialiser
 * drops properties a schema does not declare and coerces values to the
 * declared type (null to 0 or "", fractions to integers), so every schema
 * here names every field its route sends, with its real type.
 */

/** A value or null (an unavailable reading is null, never 0). */
export const Nullable = <T extends TSchema>(schema: T, options: { description?: string } = {}) => Type.Union([schema, Type.Null()], options);

/**
 * A string from a known set: documented as an enum, serialised as a plain
 * string (an enum as a union would make the serialiser reject a value the
 * handler's types already guarantee).
 */
export const StringEnum = <T extends string>(values: readonly T[], options: { description?: string } = {}) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });

/**
 * A string from a known set, or null. The enum lists null too: OpenAPI 3.0
 * writes this as `nullable: true`, which does not extend an enum.
 */
export const NullableEnum = <T extends string>(values: readonly T[], options: { description?: string } = {}) =>
  Type.Union([Type.Unsafe<T>({ type: 'string', enum: [...values, null] }), Type.Null()], options);

/** A count (integers only: the serialiser truncates fractions of an Integer). */
export const Count = Type.Integer({ minimum: 0 });

/** An ISO 8601 time. */
export const Timestamp = Type.String({ format: 'date-time' });

/** The envelope's `data_source` (envelope.ts DataSource). */
const DataSourceSchema = StringEnum(['kcloud', 'prometheus', 'dcgm', 'nvidia-smi', 'ipmi', 'rapl', 'mixed'] as const);

/** limit/offset metadata of a paginated list (params.ts paginate). */
export const PageMetadata = {
  total_count: Count,
  limit: Nullable(Type.Integer()),
  offset: Count,
};

/**
 * kcloud-monitor-api's common response (envelope.ts): timestamp, cluster,
 * resource_type, data, the route's extra top-level fields, then metadata
 * (query_time_ms, cache_hit, data_source and the route's own). Metadata
 * stays last: the response cache marks a hit by rewriting the last
 * `"cache_hit":false` of the serialised body.
 */
export function Envelope<D extends TSchema, E extends TProperties = Record<never, never>, M extends TProperties = Record<never, never>>(
  resourceType: string | undefined,
  data: D,
  extra: E = {} as E,
  metadata: M = {} as M,
) {
  return Type.Object({
    timestamp: Timestamp,
    cluster: Type.String({ description: 'The `cluster` query parameter, or `all` when the answer spans clusters' }),
    resource_type: resourceType === undefined ? Type.String() : StringEnum([resourceType]),
    data,
    ...extra,
    metadata: Type.Object(
      {
        query_time_ms: Type.Number(),
        cache_hit: Type.Boolean(),
        data_source: DataSourceSchema,
        ...metadata,
      },
      { additionalProperties: true },
    ),
  });
}

/** kcloud-monitor-api's error body (errors.ts). */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'INVALID_PARAMETER, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, RATE_LIMITED, INTERNAL_ERROR, PROMETHEUS_ERROR, ...' }),
    message: Type.String(),
    details: Type.Record(Type.String(), Type.Unknown(), { description: 'e.g. `parameter` (the refused field) or `candidates` (409)' }),
  }),
  timestamp: Timestamp,
});

/** The error answers every monitoring route may give. */
export const ERROR_RESPONSES = {
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  429: ErrorBody,
  500: ErrorBody,
  502: ErrorBody,
} as const;

/** A 200 answer of the envelope's shape plus the error answers. */
export const withErrors = <T extends TSchema>(ok: T) => ({ 200: ok, ...ERROR_RESPONSES });

/**
 * A non-JSON 200 answer, documented by content type only (no serialiser is
 * involved: the body is a stream, a hijacked socket or a ready string).
 */
export const fileResponse = (description: string, contentTypes: readonly string[]) => ({
  description,
  content: Object.fromEntries(contentTypes.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])),
});

/** A `period` as given or defaulted; null when start_time and end_time set the range. */
export const PeriodEcho = NullableEnum(['1h', '1d', '1w', '1m'] as const);

/** The resolved range some time-series answers echo as `query`. */
export const RangeEcho = Type.Object({
  period: PeriodEcho,
  step: Type.String(),
  start_time: Nullable(Timestamp),
  end_time: Nullable(Timestamp),
});
