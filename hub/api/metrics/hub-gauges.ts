import { Gauge, Registry } from 'prom-client';
import type { HubState } from '../../core/status-file.js';
import type { NodeView } from '../../fleet/node-directory.js';

export interface HubGaugeInput {
  state: HubState;
  nodes: readonly NodeView[];
  /** Series the fleet part of this scrape exports. */
  fleetSeries: number;
  now: number;
}

/**
 * The hub's own state at scrape time, as `kcloud_hub_*` gauges (ingest and
 * broker counters live in the hub's registry already). A fresh registry per
 * scrape: the values are read, not accumulated.
 */
export async function renderHubGauges(input: HubGaugeInput): Promise<string> {
  const { state } = input;
  const registers = [new Registry()];
  new Gauge({ name: 'kcloud_hub_info', help: 'Hub version (always 1)', labelNames: ['version'], registers }).set({ version: state.version }, 1);
  new Gauge({ name: 'kcloud_hub_uptime_seconds', help: 'Seconds since the hub started', registers }).set((input.now - state.startedAt) / 1000);
  new Gauge({ name: 'kcloud_hub_store_bytes', help: 'Size of the time-series store on disk (database and WAL)', registers }).set(state.store.bytes);
  new Gauge({ name: 'kcloud_hub_store_series', help: 'Series in the time-series store', registers }).set(state.store.series);
  new Gauge({ name: 'kcloud_hub_store_samples', help: 'Samples in the time-series store', registers }).set(state.store.samples);
  new Gauge({ name: 'kcloud_hub_exported_series', help: 'Fleet series in this scrape (newest value of each fresh series)', registers }).set(input.fleetSeries);
  if (state.broker.mode === 'embedded') {
    new Gauge({ name: 'kcloud_hub_broker_clients', help: 'MQTT clients connected to the embedded broker', registers }).set(state.broker.clients);
  } else {
    new Gauge({ name: 'kcloud_hub_broker_connected', help: 'Whether the hub is connected to the external broker (1) or not (0)', registers }).set(state.broker.connected ? 1 : 0);
  }
  const nodes = new Gauge({ name: 'kcloud_hub_nodes', help: 'Registered nodes by cluster and state', labelNames: ['cluster', 'state'], registers });
  for (const n of input.nodes) nodes.inc({ cluster: n.cluster, state: n.state });
  return registers[0]!.metrics();
}
