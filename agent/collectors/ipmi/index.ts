import { parseDuration } from '../../../shared/duration.js';
import type { AgentConfig } from '../../config.js';
import { pollingCollector } from '../polling.js';
import type { CollectorDeps } from '../registry.js';
import type { Collector, CollectorSink, Sample } from '../types.js';
import { sdrCacheFile, targetFromConfig } from './connection.js';
import { DcmiPower } from './dcmi.js';
import { detectIpmi, findExecutable } from './detect.js';
import { readBmcInventory } from './inventory.js';
import { parseSdr } from './parse-sdr.js';
import { dcmiSamples, sensorSamples } from './samples.js';
import { SdrCache } from './sdr-cache.js';
import { ipmitoolSession, type IpmitoolSession } from './session.js';
import type { Ipmitool } from './source.js';

/**
 * BMC sensors and DCMI power through ipmitool, on the collector's own
 * (slower) timer with a per-call timeout: a hung BMC fails its own poll
 * (`ipmi_up 0`) and, since polls never overlap, costs nothing else. The
 * commands go through one `ipmitool shell` session (one login, SDR read
 * once) where it runs, else one ipmitool per call with the SDR file cache.
 */
export function createIpmiCollector(config: AgentConfig, deps: CollectorDeps): Collector {
  const c = config.collectors.ipmi;
  const target = targetFromConfig(c);
  const log = deps.log.child({ collector: 'ipmi' });
  const timeoutMs = parseDuration(c.timeout);
  let session: IpmitoolSession | undefined;
  const ipmitool: Ipmitool = (command) => session!.run(command);
  const sdr = new SdrCache(sdrCacheFile(config.dataDir, target), (command) => session!.perCall(command), log);
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

  const collector = pollingCollector({
    name: 'ipmi',
    intervalMs: parseDuration(c.interval),
    detect: () => detectIpmi(c.ipmitool, target),
    async onStart(s) {
      sink = s;
      session ??= ipmitoolSession({ ipmitool: c.ipmitool, setpriv: c.shell ? await findExecutable('setpriv', process.env.PATH ?? '') : null, target, timeoutMs, log });
    },
    failureSamples: (now) => [{ metric: 'ipmi_up', value: 0, ts: now }],
    async collect(now) {
      // The shell keeps the SDR repository it read first in memory; only readings cross the wire after that.
      const records = session!.usesShell() ? parseSdr((await ipmitool(['sdr', 'elist'])).stdout) : await sdr.elist();
      const samples: Sample[] = sensorSamples(records, now);
      samples.push(...dcmiSamples(await dcmi.read(), now), { metric: 'ipmi_up', value: 1, ts: now });
      await inventory();
      return samples;
    },
  });
  return {
    ...collector,
    async stop() {
      await collector.stop();
      await session?.close();
    },
  };
}
