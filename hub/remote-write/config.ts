import { Type, type Static } from '@sinclair/typebox';

const Duration = Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d)$' });

/**
 * One Prometheus remote-write 1.0 receiver (VictoriaMetrics, Prometheus with
 * --web.enable-remote-write-receiver, Mimir, Thanos Receive) every committed
 * sample is forwarded to (docs/scale-out.md). Credentials are names of
 * secrets in hub.db's encrypted store (hub/identity/secrets.ts), never the
 * values themselves.
 */
export const RemoteWriteTargetSchema = Type.Object(
  {
    /** The receiver's write endpoint, e.g. http://vm:8428/api/v1/write. */
    url: Type.String({ pattern: '^https?://[^\\s]+$' }),
    /** Names the queue (its cursor, metrics and status line); default: the url. */
    name: Type.String({ default: '', pattern: '^[^\\s]{0,128}$' }),
    basicAuth: Type.Optional(
      Type.Object({ username: Type.String({ minLength: 1 }), passwordSecret: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    ),
    /** Name of the secret holding a bearer token (`Authorization: Bearer ...`). */
    bearerTokenSecret: Type.Optional(Type.String({ minLength: 1 })),
    tls: Type.Object(
      {
        /** PEM files: the CA that signed the receiver, and a client certificate for mutual TLS. */
        ca: Type.String({ default: '' }),
        cert: Type.String({ default: '' }),
        key: Type.String({ default: '' }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** Extra HTTP headers (X-Scope-OrgID for Mimir, THANOS-TENANT...); the protocol's own cannot be overridden. */
    headers: Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' }), Type.String({ maxLength: 1024 }), { default: {} }),
    /**
     * Names of the GPU series on the receiver: `kcloud` (the stored names and
     * labels), `dcgm` (dcgm-exporter's names, labels and units, as the hub's
     * /metrics: dashboards made for dcgm-exporter work), or `both`. Other
     * series keep kcloud's names whatever this says.
     */
    names: Type.Union([Type.Literal('kcloud'), Type.Literal('dcgm'), Type.Literal('both')], { default: 'kcloud' }),
    /** One request's time limit. */
    timeout: Type.String({ ...Duration, default: '30s' }),
    queue: Type.Object(
      {
        /** Committed samples not yet sent, in bytes of the head log (24 a sample); beyond it the oldest are dropped and counted. */
        maxBytes: Type.Integer({ default: 512 * 1024 * 1024, minimum: 24 }),
        /** Samples older than this when their turn comes are dropped and counted (the remote was down longer). */
        maxAge: Type.String({ ...Duration, default: '2h' }),
        /** Samples in one request (at least one whole head-log record). */
        maxSamplesPerSend: Type.Integer({ default: 5000, minimum: 1, maximum: 1_000_000 }),
        /** Retry backoff after a 5xx, 429 or network error: doubles from minBackoff up to maxBackoff. */
        minBackoff: Type.String({ ...Duration, default: '250ms' }),
        maxBackoff: Type.String({ ...Duration, default: '30s' }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type RemoteWriteTarget = Static<typeof RemoteWriteTargetSchema>;

/** Mounted at `storage.remoteWrite` in hub.yaml; empty: nothing is forwarded. */
export const RemoteWriteConfigSchema = Type.Array(RemoteWriteTargetSchema, { default: [] });
