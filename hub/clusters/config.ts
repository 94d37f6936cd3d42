import { Type, type Static } from '@sinclair/typebox';
import { NAME_PATTERN } from '../../shared/topics.js';

const Duration = Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h)$' });

/**
 * One cluster the hub knows by configuration (kcloud-monitor-api's cluster
 * list: name, url, region). Without `url` it is read from the agents that
 * report under this cluster name; with `url` it is read from that Prometheus
 * (dcgm-exporter and kcloud /metrics series) and the agents are not asked.
 */
export const ClusterConfigSchema = Type.Object(
  {
    name: Type.String({ pattern: NAME_PATTERN.source }),
    /** Prometheus base URL (`http://prom-prod:9090`, also behind a path prefix: `https://host/prometheus`). */
    url: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$' })),
    region: Type.Optional(Type.String({ maxLength: 128 })),
    /** Basic auth towards Prometheus (its `web.yml` basic_auth_users, or a proxy): user, and the file holding the password. */
    username: Type.Optional(Type.String({ minLength: 1 })),
    passwordFile: Type.Optional(Type.String({ minLength: 1 })),
    /** A file holding a bearer token (`Authorization: Bearer ...`), e.g. a Kubernetes service-account token. */
    bearerTokenFile: Type.Optional(Type.String({ minLength: 1 })),
    /** One Prometheus HTTP call's time limit; past it the API answers 502 PROMETHEUS_ERROR. */
    timeout: Type.String({ ...Duration, default: '5s' }),
    /** How long a Prometheus answer is reused (dashboards poll every few seconds; `0s` asks every time). */
    cacheTtl: Type.String({ ...Duration, default: '5s' }),
  },
  { additionalProperties: false },
);
export type ClusterConfig = Static<typeof ClusterConfigSchema>;

/** Clusters known by name (mounted at `clusters:` in hub.yaml); agent clusters need no entry. */
export const ClustersConfigSchema = Type.Array(ClusterConfigSchema, { default: [] });
