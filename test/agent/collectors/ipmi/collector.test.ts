import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIpmiCollector } from '../../../../agent/collectors/ipmi/index.js';
import { pollingCollector } from '../../../../agent/collectors/polling.js';
import type { Sample } from '../../../../agent/collectors/types.js';
import { loadAgentConfig } from '../../../../agent/config.js';
import { LatestValues } from '../../../../agent/latest-values.js';
import { startBmcSim, type BmcSim } from '../../../helpers/bmc-sim.js';
import { recordingSink } from '../../../helpers/collector-sink.js';
import { memoryLogger } from '../../../helpers/logger.js';
import { waitFor } from '../../../helpers/spawn-agent.js';

/** The real ipmitool behind a wrapper that appends each command line to a log, so tests see what the collector ran. */
function tracedIpmitool(): { path: string; calls: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'kcloud-ipmitool-'));
  const log = join(dir, 'calls.log');
  const path = join(dir, 'ipmitool');
  writeFileSync(log, '');
  writeFileSync(path, `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec ipmitool "$@"\n`);
  chmodSync(path, 0o755);
  return { path, calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

function collectorFor(bmc: BmcSim, opts: { interval?: string; timeout?: string; env?: Record<string, string> } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'kcloud-ipmi-'));
  const tool = tracedIpmitool();
  const config = loadAgentConfig(undefined, {
    KCLOUD_DATA_DIR: dataDir,
    KCLOUD_COLLECTORS_IPMI_IPMITOOL: tool.path,
    KCLOUD_COLLECTORS_IPMI_INTERFACE: 'lanplus',
    KCLOUD_COLLECTORS_IPMI_HOST: '127.0.0.1',
    KCLOUD_COLLECTORS_IPMI_PORT: String(bmc.port),
    KCLOUD_COLLECTORS_IPMI_USERNAME: bmc.username,
    KCLOUD_COLLECTORS_IPMI_PASSWORD_FILE: bmc.passwordFile,
    KCLOUD_COLLECTORS_IPMI_INTERVAL: opts.interval ?? '300ms',
    KCLOUD_COLLECTORS_IPMI_TIMEOUT: opts.timeout ?? '3s',
    ...opts.env,
  });
  const logger = memoryLogger();
  const collector = createIpmiCollector(config, { log: logger.log, latest: new LatestValues() });
  return { collector, logger, calls: tool.calls, sdrCache: join(dataDir, 'cache', `ipmi-sdr-127.0.0.1-${bmc.port}.bin`) };
}

const value = (batch: Sample[] | undefined, metric: string, sensor?: string) =>
  batch?.find((s) => s.metric === metric && (sensor === undefined || s.labels?.sensor === sensor))?.value;

describe('ipmi collector against the real ipmi_sim BMC', () => {
  let bmc: BmcSim;
  beforeAll(() => {
    bmc = startBmcSim();
  });
  afterAll(() => {
    bmc?.thaw();
    bmc?.stop();
  });

  it('reads the simulator defaults, DCMI power and the inventory, then follows sensor changes', async () => {
    const { collector, calls } = collectorFor(bmc);
    expect(await collector.detect()).toMatchObject({ available: true, reason: expect.stringContaining(`127.0.0.1:${bmc.port}`) });
    const rec = recordingSink();
    await collector.start(rec.sink);
    try {
      await waitFor(() => rec.batches.length >= 1, 15_000, 'first BMC poll');
      const first = rec.batches[0]!;
      // sensors.defaults / sample-output/sdr-elist.txt
      expect(value(first, 'ipmi_power_watts', 'Total_Power')).toBe(840);
      expect(value(first, 'ipmi_power_watts', 'PSU1_Power')).toBe(430);
      expect(value(first, 'ipmi_power_watts', 'PSU2_Power')).toBe(410);
      expect(value(first, 'ipmi_temperature_celsius', 'CPU1_Temp')).toBe(45);
      expect(value(first, 'ipmi_temperature_celsius', 'Inlet_Temp')).toBe(24);
      expect(value(first, 'ipmi_fan_rpm', 'Fan1')).toBe(8400);
      expect(value(first, 'ipmi_voltage_volts', '12V')).toBe(12.06);
      expect(value(first, 'ipmi_sensor_state', 'CPU1_Temp')).toBe(0);
      expect(value(first, 'ipmi_temperature_celsius', 'GPU4_Temp')).toBeUndefined();
      expect(value(first, 'node_power_watts')).toBe(840);
      expect(first.find((s) => s.metric === 'node_power_watts')?.labels).toEqual({ source: 'dcmi' });
      expect(value(first, 'ipmi_up')).toBe(1);
      expect(rec.inventories).toEqual([
        {
          bmc: expect.objectContaining({
            address: `127.0.0.1:${bmc.port}`,
            interface: 'lanplus',
            firmwareRevision: '2.47',
            manufacturerId: 4753,
            system: expect.objectContaining({ serial: 'KCSIM-000001', product: 'KC-GPU-4U-2S (ipmi_sim)' }),
            thresholds: expect.arrayContaining([{ sensor: 'Total_Power', unit: 'Watts', unc: 3600, ucr: 4000 }]),
          }),
        },
      ]);

      bmc.set('PSU1_Power', 1250, 'Total_Power', 1660);
      const n = rec.batches.length;
      await waitFor(() => rec.batches.length > n && value(rec.batches.at(-1), 'ipmi_power_watts', 'PSU1_Power') === 1250, 15_000, 'the new PSU reading');
      const last = rec.batches.at(-1)!;
      expect(value(last, 'ipmi_power_watts', 'Total_Power')).toBe(1660);
      expect(value(last, 'node_power_watts')).toBe(1660);
      expect(rec.errors).toEqual([]);
      // The password travels in a file: never on ipmitool's command line.
      expect(calls().every((c) => c.includes(`-f ${bmc.passwordFile}`) && !c.includes(bmc.password))).toBe(true);
      // Every poll, DCMI and the inventory went through one ipmitool shell session: one process, one login.
      expect(calls()).toEqual([expect.stringMatching(/ shell$/)]);
    } finally {
      await collector.stop();
      bmc.reset();
    }
  });

  it('with shell: false, reads sensors through an SDR cache in the data dir, and dumps it again when it turns unreadable', async () => {
    const { collector, calls, sdrCache } = collectorFor(bmc, { env: { KCLOUD_COLLECTORS_IPMI_SHELL: 'false' } });
    const rec = recordingSink();
    await collector.start(rec.sink);
    try {
      await waitFor(() => rec.batches.length >= 2, 15_000, 'two polls');
      expect(existsSync(sdrCache)).toBe(true);
      expect(calls().filter((c) => c.endsWith(`sdr dump ${sdrCache}.tmp`))).toHaveLength(1);
      expect(calls().filter((c) => c.endsWith(`-S ${sdrCache} sdr elist`)).length).toBeGreaterThanOrEqual(2);
      expect(calls().filter((c) => / sdr elist$/.test(c) && !c.includes(' -S '))).toEqual([]);
      expect(calls().filter((c) => c.endsWith(' sensor'))).toEqual([expect.stringContaining(`-S ${sdrCache} sensor`)]);

      // A corrupt copy makes ipmitool print `invalid sdr header` and no rows, with exit status 0.
      writeFileSync(sdrCache, 'garbage\n');
      const n = rec.batches.length;
      await waitFor(() => rec.batches.length >= n + 2, 15_000, 'two more polls');
      expect(calls().filter((c) => c.endsWith(`sdr dump ${sdrCache}.tmp`))).toHaveLength(2);
      for (const batch of rec.batches) expect(value(batch, 'ipmi_power_watts', 'Total_Power')).toBe(840);
      expect(readFileSync(sdrCache).length).toBeGreaterThan(100);
      expect(rec.errors).toEqual([]);
    } finally {
      await collector.stop();
    }
  });

  it('fails a poll on a hung BMC within the timeout, keeps other collectors on time, and logs no password', async () => {
    const { collector, logger } = collectorFor(bmc, { interval: '300ms', timeout: '1s' });
    const rec = recordingSink();
    const ticks: number[] = [];
    const other = pollingCollector({
      name: 'other',
      intervalMs: 100,
      detect: async () => ({ available: true, reason: 'test' }),
      collect: async (now) => {
        ticks.push(now);
        return [];
      },
    });
    await other.start(recordingSink().sink);
    await collector.start(rec.sink);
    try {
      await waitFor(() => rec.batches.length >= 1, 15_000, 'first BMC poll');
      bmc.freeze();
      const frozenAt = Date.now();
      await waitFor(() => rec.errors.length >= 1, 10_000, 'a timed-out poll');
      const failedAfter = Date.now() - frozenAt;
      // At most one poll in flight when frozen (<= 1 s timeout), then the next one times out: 2 s plus slack.
      expect(failedAfter).toBeLessThan(3000);
      expect(rec.errors[0]!.message).toMatch(/^ipmitool .* timed out after 1000 ms \(BMC 127\.0\.0\.1:\d+\)$/);
      expect(rec.batches.at(-1)).toEqual([{ metric: 'ipmi_up', value: 0, ts: expect.any(Number) }]);
      await new Promise((r) => setTimeout(r, 1000));
      // The other collector kept its 100 ms cadence while ipmitool hung: no gap near the 1 s the BMC calls took.
      const during = ticks.filter((t) => t >= frozenAt);
      expect(during.length).toBeGreaterThanOrEqual(Math.floor((Date.now() - frozenAt) / 200));
      const gaps = during.slice(1).map((t, i) => t - during[i]!);
      expect(Math.max(...gaps)).toBeLessThan(600);
    } finally {
      bmc.thaw();
    }
    try {
      const n = rec.batches.length;
      await waitFor(() => rec.batches.slice(n).some((b) => value(b, 'ipmi_up') === 1), 15_000, 'a poll after the BMC answers again');
    } finally {
      await collector.stop();
      await other.stop();
    }
    const text = `${logger.text()}\n${rec.errors.map((e) => e.message).join('\n')}`;
    expect(text).not.toContain(bmc.password);
  });

  it('with the password in IPMI_PASSWORD (-E): reads the BMC, and a refused login reports no password anywhere', async () => {
    const saved = process.env.IPMI_PASSWORD;
    process.env.IPMI_PASSWORD = bmc.password;
    try {
      const ok = collectorFor(bmc, { env: { KCLOUD_COLLECTORS_IPMI_PASSWORD_FILE: '' } });
      const rec = recordingSink();
      await ok.collector.start(rec.sink);
      await waitFor(() => rec.batches.length >= 1, 15_000, 'first BMC poll');
      await ok.collector.stop();
      expect(value(rec.batches[0], 'ipmi_power_watts', 'Total_Power')).toBe(840);
      expect(ok.calls().every((c) => c.includes(' -E ') && !c.includes(bmc.password))).toBe(true);

      // The right password for a user the BMC does not have: every call fails.
      const refused = collectorFor(bmc, { env: { KCLOUD_COLLECTORS_IPMI_PASSWORD_FILE: '', KCLOUD_COLLECTORS_IPMI_USERNAME: 'nobody' } });
      const failing = recordingSink();
      await refused.collector.start(failing.sink);
      await waitFor(() => failing.errors.length >= 1, 15_000, 'a refused poll');
      await refused.collector.stop();
      expect(failing.errors[0]!.message).toMatch(/failed \(BMC 127\.0\.0\.1:\d+\): /);
      expect(value(failing.batches[0], 'ipmi_up')).toBe(0);
      const text = `${refused.logger.text()}\n${ok.logger.text()}\n${failing.errors.map((e) => e.message).join('\n')}`;
      expect(text).not.toContain(bmc.password);
    } finally {
      if (saved === undefined) delete process.env.IPMI_PASSWORD;
      else process.env.IPMI_PASSWORD = saved;
    }
  });
});

describe('ipmi collector against an ipmi_sim BMC without DCMI', () => {
  let bmc: BmcSim;
  beforeAll(() => {
    bmc = startBmcSim({ portOffset: 200, dcmi: false });
  });
  afterAll(() => {
    bmc?.stop();
  });

  it.each([true, false])('shell %s: stops asking for DCMI power after the BMC rejects it, says so once, and keeps reading sensors', async (shell) => {
    const { collector, logger, calls } = collectorFor(bmc, { env: { KCLOUD_COLLECTORS_IPMI_SHELL: String(shell) } });
    const rec = recordingSink();
    await collector.start(rec.sink);
    try {
      await waitFor(() => rec.batches.length >= 3, 15_000, 'three polls');
    } finally {
      await collector.stop();
    }
    // Per call, the wrapper logs the one DCMI request; in a shell session it goes over stdin, and the session is the only process.
    expect(calls().filter((c) => c.endsWith('dcmi power reading'))).toHaveLength(shell ? 0 : 1);
    expect(calls().filter((c) => c.endsWith(' shell'))).toHaveLength(shell ? 1 : 0);
    expect(logger.lines().filter((l) => String(l.msg).includes('DCMI'))).toHaveLength(1);
    for (const batch of rec.batches) {
      expect(value(batch, 'node_power_watts')).toBeUndefined();
      expect(value(batch, 'ipmi_power_watts', 'Total_Power')).toBe(840);
      expect(value(batch, 'ipmi_up')).toBe(1);
    }
    expect(rec.errors).toEqual([]);
  });
});
