import { Type, type Static } from '@sinclair/typebox';

const Duration = Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$' });

/** Where range reads go to the remote store: only the part older than local retention keeps, or the whole range. */
export const REMOTE_READ_MODES = ['beyond-retention', 'always'] as const;
export type RemoteReadMode = (typeof REMOTE_READ_MODES)[number];

/**
 * The remote store range reads fall back on (docs/scale-out.md): the
 * Prometheus HTTP API (`query_range`) of the store `storage.remoteWrite`
 * feeds (VictoriaMetrics, Prometheus, Mimir, Thanos Query). Credentials are
 * names of secrets in hub.db's encrypted store, as for remote write.
 */
export const RemoteReadSchema = Type.Object(
  {
    /** Base URL of the Prometheus HTTP API, e.g. http://vm:8428 (`/api/v1/query_range` is appended). */
    url: Type.String({ pattern: '^https?://[^\\s]+$' }),
    basicAuth: Type.Optional(
      Type.Object({ username: Type.String({ minLength: 1 }), passwordSecret: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    ),
    /** Name of the secret holding a bearer token (`Authorization: Bearer ...`). */
    bearerTokenSecret: Type.Optional(Type.String({ minLength: 1 })),
    mode: Type.Union(
      REMOTE_READ_MODES.map((m) => Type.Literal(m)),
      { default: 'beyond-retention' },
    ),
    /** One query's time limit; past it the answer holds the local part and a warning. */
    timeout: Type.String({ ...Duration, default: '10s' }),
  },
  { additionalProperties: false },
);
export type RemoteReadConfig = Static<typeof RemoteReadSchema>;
