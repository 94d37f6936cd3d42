import { defineMetrics } from './catalogue.js';

/** CPU package / DRAM / platform power from Linux powercap (RAPL). */
export const RAPL_METRICS = defineMetrics([
  { name: 'rapl_power_watts', type: 'gauge', help: 'Average power of a RAPL zone over the last interval', labels: ['zone', 'domain'] },
  { name: 'rapl_energy_joules', type: 'counter', help: 'Energy of a RAPL zone, wrap-corrected, since the agent started', labels: ['zone', 'domain'] },
] as const);
