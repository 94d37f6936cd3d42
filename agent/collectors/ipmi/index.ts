import { parseDuration } from '../../../shared/duration.js';
import type { AgentConfig } from '../../config.js';
import { pollingCollector } from '../polling.js';
import type { CollectorDeps } from '../registry.js';
import type { Collector, CollectorSink, Sample } from '../types.js';
import { sdrCacheFile, targetFromConfig } from './connection.js';
import { DcmiPower } from './dcmi.js';
import { detectIpmi } from './detect.js';
import { readBmcInventory } from './inventory.js';
import { dcmiSamples, sensorSamples } from './samples.js';
import { SdrCache } from './sdr-cache.js';
import { ipmitoolRunner } from './source.js';

/**
 * BMC sensors and DCMI power through ipmitool, on the collector's own
 * (slower) timer with a per-call timeout: a hung BMC fails its own poll
 * (`ipmi_up 0`) and, since polls never overlap, costs nothing else.
 */
export function createIpmiCollector(config: AgentConfig, deps: CollectorDeps): Collector {
  const c = config.collectors.ipmi;
  const target = targetFromConfig(c);
  const log = deps.log.child({ collector: 'ipmi' });
  const ipmitool = ipmitoolRunner({ ipmitool: c.ipmitool, target, timeoutMs: parseDuration(c.timeout) });
  const sdr = new SdrCache(sdrCacheFile(config.dataDir, target), ipmitool, log);
  const dcmi = new DcmiPower(ipmitool, log);
  let sink: CollectorSink | undefined;
  let inventoried = false;
  let inventoryFailed = false;

  // Inventory is read on the first polls that reach the BMC, not in start(): collectors start one after another, and a dead BMC must not hold up the rest.
  async function inventory(): Promise<void> {
    if (inventoried || !sink) return;
    try {
      sink.inventory({ bmc: await readBmcInventory(ipmitool, target, sdr.args(), log) });
      inventoried = true;
    } catch (err) {
      if (!inventoryFailed) log.warn({ err: (err as Error).message }, 'BMC inventory (mc info) failed; retrying on the next poll');
      inventoryFailed = true;
    }
  }

  return pollingCollector({
    name: 'ipmi',
    intervalMs: parseDuration(c.interval),
    detect: () => detectIpmi(c.ipmitool, target),
    async onStart(s) {
      sink = s;
    },
    failureSamples: (now) => [{ metric: 'ipmi_up', value: 0, ts: now }],
    async collect(now) {
      const samples: Sample[] = sensorSamples(await sdr.elist(), now);
      samples.push(...dcmiSamples(await dcmi.read(), now), { metric: 'ipmi_up', value: 1, ts: now });
      await inventory();
      return samples;
    },
  });
}
