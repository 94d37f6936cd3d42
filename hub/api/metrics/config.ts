import { Type, type Static } from '@sinclair/typebox';
import type { HubConfig } from '../../config.js';

/**
 * Who may scrape the hub's GET /metrics (to be mounted at `metrics:` in
 * hub.yaml). It exposes the whole fleet (host names, GPU UUIDs, pods), so
 * the default is `authenticated`: Basic auth with a user whose role has
 * `metrics:read` (a viewer is enough), which Prometheus sends with
 * `basic_auth` in its scrape config. `public` serves it like most exporters
 * do, for a hub bound to the operator's network only.
 */
export const MetricsConfigSchema = Type.Object(
  {
    access: Type.Union([Type.Literal('authenticated'), Type.Literal('public')], { default: 'authenticated' }),
    /** Keep dcgm-exporter's old `Hostname` label beside `hostname` (its next release renames it); false drops it. */
    legacyHostnameLabel: Type.Boolean({ default: true }),
  },
  { default: {} },
);
export type MetricsConfig = Static<typeof MetricsConfigSchema>;

/** The route access of GET /metrics from the config (authenticated, i.e. `metrics:read`, unless `metrics.access: public`). */
export function metricsAccess(config: HubConfig & { metrics?: MetricsConfig }): 'metrics:read' | 'public' {
  return config.metrics?.access === 'public' ? 'public' : 'metrics:read';
}
