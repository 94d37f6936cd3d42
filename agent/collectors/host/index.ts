import { loadavg } from 'node:os';
import si from 'systeminformation';
import { parseDuration } from '../../../shared/duration.js';
import type { AgentConfig } from '../../config.js';
import { pollingCollector } from '../polling.js';
import type { CollectorDeps } from '../registry.js';
import type { Collector } from '../types.js';
import { hostInventory, hostSamples } from './map.js';

/**
 * CPU, memory, disk and network from systeminformation. Only cheap calls:
 * no process listing (si.processes() alone costs more than every other
 * collector together).
 */
export function createHostCollector(config: AgentConfig, _deps: CollectorDeps): Collector {
  return pollingCollector({
    name: 'host',
    intervalMs: parseDuration(config.collectors.host.interval),
    detect: async () => ({ available: true, reason: 'always on (systeminformation)' }),
    async onStart(sink) {
      const [os, cpu, mem, system] = await Promise.all([si.osInfo(), si.cpu(), si.mem(), si.system()]);
      sink.inventory({ host: hostInventory({ os, cpu, memTotal: mem.total, system }) });
    },
    async collect(now) {
      const [load, mem, fs, net] = await Promise.all([si.currentLoad(), si.mem(), si.fsSize(), si.networkStats('*')]);
      return hostSamples({ load, loadavg: loadavg(), mem, fs, net }, now);
    },
  });
}
