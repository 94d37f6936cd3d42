import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIpmiCollector } from '../../../../agent/collectors/ipmi/index.js';
import { pollingCollector } from '../../../../agent/collectors/polling.js';
import { loadAgentConfig } from '../../../../agent/config.js';
import { LatestValues } from '../../../../agent/latest-values.js';
import { startBmcSim, type BmcSim } from '../../../helpers/bmc-sim.js';
import { recordingSink } from '../../../helpers/collector-sink.js';
import { memoryLogger } from '../../../helpers/logger.js';
import { waitFor } from '../../../helpers/spawn-agent.js';

describe('ipmi collector against the real ipmi_sim BMC', () => {
  let bmc: BmcSim;
  beforeAll(() => {
    bmc = startBmcSim();
  });
  afterAll(() => {
    bmc?.thaw();
    bmc?.stop();
  });

  function collector(interval = '300ms', timeout = '2s') {
    const config = loadAgentConfig(undefined, {
      KCLOUD_DATA_DIR: mkdtempSync(join(tmpdir(), 'kcloud-ipmi-')),
      KCLOUD_COLLECTORS_IPMI_INTERFACE: 'lanplus',
      KCLOUD_COLLECTORS_IPMI_HOST: '127.0.0.1',
      KCLOUD_COLLECTORS_IPMI_PORT: String(bmc.port),
      KCLOUD_COLLECTORS_IPMI_USERNAME: 'admin',
      KCLOUD_COLLECTORS_IPMI_PASSWORD_FILE: bmc.passwordFile,
      KCLOUD_COLLECTORS_IPMI_INTERVAL: interval,
      KCLOUD_COLLECTORS_IPMI_TIMEOUT: timeout,
    });
    const logger = memoryLogger();
    return { c: createIpmiCollector(config, { log: logger.log, latest: new LatestValues() }), logger };
  }

  const value = (batch: { metric: string; labels?: Record<string, string>; value: number }[], metric: string, sensor?: string) =>
    batch.find((s) => s.metric === metric && (sensor === undefined || s.labels?.sensor === sensor))?.value;

  it('reads the simulator defaults, DCMI power and inventory, then follows sensor changes', async () => {
    const { c } = collector();
    expect((await c.detect()).available).toBe(true);
    const rec = recordingSink();
    await c.start(rec.sink);
    try {
      await waitFor(() => rec.batches.length >= 1, 15_000, 'first BMC poll');
      const first = rec.batches[0]!;
      expect(value(first, 'ipmi_power_watts', 'Total_Power')).toBe(840);
      expect(value(first, 'ipmi_power_watts', 'PSU1_Power')).toBe(430);
      expect(value(first, 'ipmi_temperature_celsius', 'CPU1_Temp')).toBe(45);
      expect(value(first, 'ipmi_fan_rpm', 'Fan1')).toBe(8400);
      expect(value(first, 'node_power_watts')).toBe(840);
      expect(value(first, 'ipmi_up')).toBe(1);
      expect(rec.inventories[0]).toMatchObject({ bmc: { address: '127.0.0.1' } });

      bmc.set('PSU1_Power', 1250, 'Total_Power', 1660);
      const n = rec.batches.length;
      await waitFor(() => rec.batches.length > n && value(rec.batches.at(-1)!, 'ipmi_power_watts', 'PSU1_Power') === 1250, 15_000, 'new PSU reading');
      expect(value(rec.batches.at(-1)!, 'ipmi_power_watts', 'Total_Power')).toBe(1660);
      expect(value(rec.batches.at(-1)!, 'node_power_watts')).toBe(1660);
      expect(rec.errors).toEqual([]);
    } finally {
      await c.stop();
      bmc.set('--reset');
    }
  });

  it('a hung BMC times out without delaying another collector, and no password is logged', async () => {
    const { c, logger } = collector('300ms', '1s');
    const rec = recordingSink();
    const ticks: number[] = [];
    const other = pollingCollector({ name: 'other', intervalMs: 100, detect: async () => ({ available: true, reason: '' }), collect: async (now) => (ticks.push(now), []) });
    await other.start(recordingSink().sink);
    await c.start(rec.sink);
    try {
      await waitFor(() => rec.batches.length >= 1, 15_000, 'first BMC poll');
      bmc.freeze();
      const frozenAt = Date.now();
      await waitFor(() => rec.errors.length >= 1, 10_000, 'a timed-out poll');
      expect(rec.errors[0]!.message).toMatch(/timed out after 1000 ms/);
      expect(Date.now() - frozenAt).toBeLessThan(5000);
      expect(value(rec.batches.at(-1)!, 'ipmi_up')).toBe(0);
      // The other collector kept its 100 ms cadence while ipmitool hung.
      const during = ticks.filter((t) => t >= frozenAt);
      expect(during.length).toBeGreaterThanOrEqual(Math.floor((Date.now() - frozenAt) / 100) - 3);
    } finally {
      bmc.thaw();
      await c.stop();
      await other.stop();
    }
    expect(logger.text()).not.toContain('kcloud-test');
  });
});
