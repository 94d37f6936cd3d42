import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseDuration } from '../../../shared/duration.js';
import type { AgentConfig } from '../../config.js';
import { pollingCollector } from '../polling.js';
import type { CollectorDeps } from '../registry.js';
import type { Collector, Detection, Sample } from '../types.js';
import { connectionArgs, redact, type IpmiConnection } from './connection.js';
import { parseDcmiPowerReading } from './parse-dcmi.js';
import { parseSdr } from './parse-sdr.js';
import { dcmiSamples, sensorSamples } from './samples.js';

const LOCAL_DEVICES = ['/dev/ipmi0', '/dev/ipmi/0', '/dev/ipmidev/0'];

async function firstExisting(paths: string[]): Promise<string | null> {
  for (const p of paths) {
    try {
      await access(p);
      return p;
    } catch {
      // try the next name
    }
  }
  return null;
}

/** BMC sensors and DCMI power through ipmitool, on its own slower timer with a per-call timeout. */
export function createIpmiCollector(config: AgentConfig, deps: CollectorDeps): Collector {
  const c = config.collectors.ipmi;
  const conn: IpmiConnection = { ...c };
  const timeout = parseDuration(c.timeout);
  const base = connectionArgs(conn);
  let dcmiSupported = true;
  // Reading the SDR repository costs dozens of round trips per call; ipmitool can keep it in a local file.
  const sdrCache = join(config.dataDir, 'cache', `ipmi-sdr-${(conn.host || 'local').replace(/[^A-Za-z0-9._-]/g, '_')}.bin`);
  let sdrArgs: string[] = [];

  async function ipmitool(args: string[]): Promise<string> {
    const r = await execa(c.ipmitool, [...base, ...args], { timeout, killSignal: 'SIGKILL', reject: false });
    if (r.timedOut) throw new Error(`ipmitool ${args.join(' ')} timed out after ${timeout} ms (BMC ${conn.host || 'local'})`);
    if (r.exitCode !== 0) throw new Error(redact(`ipmitool ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-1)[0]}`));
    return r.stdout;
  }

  async function detect(): Promise<Detection> {
    const probe = await execa(c.ipmitool, ['-V'], { reject: false, timeout: 5000 });
    if (probe.failed && probe.code === 'ENOENT') return { available: false, reason: `${c.ipmitool} not found` };
    if (c.interface === 'lanplus') {
      return c.host ? { available: true, reason: `remote BMC ${c.host}:${c.port} over lanplus` } : { available: false, reason: 'interface lanplus but no host set' };
    }
    const dev = await firstExisting(LOCAL_DEVICES);
    return dev ? { available: true, reason: `local BMC through ${dev}` } : { available: false, reason: 'no /dev/ipmi0 (load ipmi_devintf, or set a remote BMC host)' };
  }

  return pollingCollector({
    name: 'ipmi',
    intervalMs: parseDuration(c.interval),
    detect,
    async onStart(sink) {
      try {
        await mkdir(join(config.dataDir, 'cache'), { recursive: true });
        await ipmitool(['sdr', 'dump', sdrCache]);
        sdrArgs = ['-S', sdrCache];
      } catch (err) {
        deps.log.info({ err: (err as Error).message }, 'no SDR cache; reading the SDR repository on every poll');
      }
      try {
        const info = await ipmitool(['mc', 'info']);
        const field = (k: string) => new RegExp(`^${k}\\s*:\\s*(.+)$`, 'm').exec(info)?.[1]?.trim() ?? null;
        sink.inventory({ bmc: { address: conn.host || 'local', firmware: field('Firmware Revision'), ipmiVersion: field('IPMI Version'), manufacturer: field('Manufacturer Name'), product: field('Product Name') } });
      } catch (err) {
        sink.error(err as Error);
      }
    },
    failureSamples: (now) => [{ metric: 'ipmi_up', value: 0, ts: now }],
    async collect(now) {
      let sdr: string;
      try {
        sdr = await ipmitool([...sdrArgs, 'sdr', 'elist']);
      } catch (err) {
        if (sdrArgs.length === 0 || /timed out/.test((err as Error).message)) throw err;
        // A stale cache (BMC firmware update) fails the call: read the repository directly from now on.
        sdrArgs = [];
        sdr = await ipmitool(['sdr', 'elist']);
      }
      const samples: Sample[] = sensorSamples(parseSdr(sdr), now);
      if (dcmiSupported) {
        try {
          samples.push(...dcmiSamples(parseDcmiPowerReading(await ipmitool(['dcmi', 'power', 'reading'])), now));
        } catch (err) {
          if (/timed out/.test((err as Error).message)) throw err;
          // Many BMCs have no DCMI: ask once, not every interval.
          dcmiSupported = false;
          deps.log.info({ err: (err as Error).message }, 'BMC does not answer DCMI power reading; using sensors only');
        }
      }
      samples.push({ metric: 'ipmi_up', value: 1, ts: now });
      return samples;
    },
  });
}
