import type { Logger } from '../../shared/log.js';
import type { AgentConfig } from '../config.js';
import type { LatestValues } from '../latest-values.js';
import type { Collector } from './types.js';
import { createDcgmCollector } from './dcgm/index.js';
import { createGpuCollector } from './gpu/index.js';
import { createGpuProcessesCollector } from './gpu-processes/index.js';
import { createHostCollector } from './host/index.js';
import { createIpmiCollector } from './ipmi/index.js';
import { createPodCgroupsCollector } from './pod-cgroups/index.js';
import { createRaplCollector } from './rapl/index.js';

export interface CollectorDeps {
  log: Logger;
  /** Newest readings of every series, for collectors that derive values from others. */
  latest: LatestValues;
}

export interface CollectorEntry {
  name: string;
  /** `auto` (probe with detect()), true or false, from the collector's config section. */
  enabled(config: AgentConfig): boolean | 'auto';
  create(config: AgentConfig, deps: CollectorDeps): Collector;
  /** When this collector is `auto` and the named one already runs, stay off: both would publish the same series. */
  supersededBy?: string;
}

/** Every collector the agent knows, in start order. */
export const COLLECTORS: readonly CollectorEntry[] = [
  // DCGM first: where it runs, it is the GPU source and nvidia-smi's stream stays off.
  { name: 'dcgm', enabled: (c) => c.collectors.dcgm.enabled, create: createDcgmCollector },
  { name: 'gpu', enabled: (c) => c.collectors.gpu.enabled, create: createGpuCollector, supersededBy: 'dcgm' },
  // Process attribution splits whichever source's gpu_power_watts: on when GPUs are collected at all.
  { name: 'gpu-processes', enabled: (c) => c.collectors.gpu.enabled, create: createGpuProcessesCollector },
  { name: 'ipmi', enabled: (c) => c.collectors.ipmi.enabled, create: createIpmiCollector },
  { name: 'rapl', enabled: (c) => c.collectors.rapl.enabled, create: createRaplCollector },
  { name: 'host', enabled: (c) => c.collectors.host.enabled, create: createHostCollector },
  { name: 'pod-cgroups', enabled: (c) => c.collectors.podCgroups.enabled, create: createPodCgroupsCollector },
];
