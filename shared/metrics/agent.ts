import { defineMetrics } from './catalogue.js';

/** The agent's own health, published with the telemetry so the hub sees it too. */
export const AGENT_METRICS = defineMetrics([
  { name: 'agent_outbox_depth', type: 'gauge', help: 'Batches waiting in the outbox for a broker PUBACK', labels: [] },
  { name: 'agent_outbox_bytes', type: 'gauge', help: 'Bytes waiting in the outbox', labels: [] },
  { name: 'agent_outbox_dropped_total', type: 'counter', help: 'Batches dropped because the outbox was full or too old', labels: [] },
  { name: 'agent_collector_errors_total', type: 'counter', help: 'Failed collection runs', labels: ['collector'] },
] as const);
