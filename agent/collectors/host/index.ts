import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseDuration } from '../../../shared/duration.js';
import type { AgentConfig } from '../../config.js';
import { pollingCollector, type PollingSpec } from '../polling.js';
import type { CollectorDeps } from '../registry.js';
import type { Collector } from '../types.js';
import { readDiskUsage } from './disks.js';
import { HOST_FACT_SOURCES, readHostFacts } from './host-facts.js';
import { hostInventory } from './inventory.js';
import { hostSamples, isPseudoFilesystem } from './map.js';
import { parseMeminfo } from './meminfo.js';
import { netRates, parseNetDev, type NetSnapshot } from './net-dev.js';
import { cpuUtilization, parseProcStatCpu, type CpuTimes } from './proc-stat.js';
import { SlowReading } from './slow-reading.js';

/** Disk space moves slowly and a statfs per mount is the dearest reading, so it is refreshed once a minute. */
const DISK_EVERY_MS = 60_000;
/** How long a run waits for the disk reading; a hung network mount only delays the disk samples. */
const DISK_WAIT_MS = 2_000;

/**
 * The host collector as a polling spec. Only cheap readings run every
 * interval, each a file read under `procRoot`: CPU from /proc/stat
 * (si.currentLoad() spawns a shell each call), memory from /proc/meminfo, the
 * network rates from /proc/net/dev; disk space once a minute from statfs(2)
 * on each mount of /proc/self/mounts (si.fsSize() ran `cat /proc/mounts`
 * synchronously and `df` through a shell: four processes a minute, issue 20);
 * no process listing (si.processes() alone costs more than every other
 * collector together). The start-up inventory is read from files too
 * (host-facts.ts).
 */
export function hostSpec(config: AgentConfig, deps: CollectorDeps): PollingSpec {
  const netDev = join(config.procRoot, 'net/dev');
  const procStat = join(config.procRoot, 'stat');
  const meminfo = join(config.procRoot, 'meminfo');
  // The agent's own mount table, not procRoot's: the mount points are statted in the agent's mount namespace.
  const mounts = '/proc/self/mounts';
  let lastNet: NetSnapshot | null = null;
  let lastCpu: CpuTimes | null = null;
  const disks = new SlowReading(() => readDiskUsage(mounts, isPseudoFilesystem), {
    everyMs: DISK_EVERY_MS,
    waitMs: DISK_WAIT_MS,
    onError: (err) => deps.log.warn({ err: err.message }, 'disk usage (statfs) failed'),
  });
  return {
    name: 'host',
    intervalMs: parseDuration(config.collectors.host.interval),
    detect: async () => ({ available: true, reason: 'always on' }),
    async onStart(sink) {
      // Not awaited: start() must not wait on `hostname -f` (DNS); the inventory follows when ready.
      void readHostFacts({ ...HOST_FACT_SOURCES, procRoot: config.procRoot })
        .then((facts) => sink.inventory({ host: hostInventory(facts) }))
        .catch((err: unknown) => sink.error(err as Error));
    },
    async collect(now) {
      const [statText, memText, fs, netText] = await Promise.all([readFile(procStat, 'utf8'), readFile(meminfo, 'utf8'), disks.take(now), readFile(netDev, 'utf8')]);
      const cpu = parseProcStatCpu(statText);
      const mem = parseMeminfo(memText);
      const load = { currentLoad: lastCpu ? cpuUtilization(lastCpu, cpu) : null };
      lastCpu = cpu;
      const net: NetSnapshot = { ts: now, counters: parseNetDev(netText) };
      const rates = lastNet ? netRates(lastNet, net) : [];
      lastNet = net;
      return hostSamples({ load, loadavg: loadavg(), mem, fs, net: rates }, now);
    },
  };
}

/** CPU, memory, disk and network of the host, every `collectors.host.interval`. */
export function createHostCollector(config: AgentConfig, deps: CollectorDeps): Collector {
  return pollingCollector(hostSpec(config, deps));
}
