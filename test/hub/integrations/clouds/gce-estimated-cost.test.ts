import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../shared/config/load.js';
import { loadHubConfig } from '../../../../hub/config.js';
import { periodRange } from '../../../../hub/integrations/clouds/cost-analysis.js';
import { gceEstimatedCosts } from '../../../../hub/integrations/clouds/gcp/estimated-cost.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = Date.parse('2026-03-10T06:00:00Z');
const range = periodRange('7d', now);
const vm = (instanceType: string, status: 'running' | 'stopped' | 'failed' | 'pending', from: string, to: string) => ({ instanceType, status, createdAt: Date.parse(from), updatedAt: Date.parse(to) });

describe('gceEstimatedCosts', () => {
  it('splits each VM\'s billed hours over UTC days x its hourly price, per machine type, all estimated', () => {
    const items = gceEstimatedCosts(
      [
        // Stopped: 23:00 on the 8th to 01:00 on the 9th, an hour each day.
        vm('e2-small', 'stopped', '2026-03-08T23:00:00Z', '2026-03-09T01:00:00Z'),
        // Running since 00:00 on the 9th: all of the 9th and 6 h of the 10th (now).
        vm('n2-standard-4', 'running', '2026-03-09T00:00:00Z', '2026-03-09T00:05:00Z'),
        // Failed VMs never ran; a type with no price counts nothing.
        vm('e2-small', 'failed', '2026-03-05T00:00:00Z', '2026-03-05T00:01:00Z'),
        vm('a2-highgpu-1g', 'running', '2026-03-05T00:00:00Z', '2026-03-05T00:01:00Z'),
      ],
      { 'e2-small': 0.5, 'n2-standard-4': 0.25 },
      range,
      now,
    );
    expect(items.sort((a, b) => `${a.date}${a.service}`.localeCompare(`${b.date}${b.service}`))).toEqual([
      { provider: 'gcp', date: '2026-03-08', service: 'Compute Engine (e2-small)', cost: 0.5, estimated: true },
      { provider: 'gcp', date: '2026-03-09', service: 'Compute Engine (e2-small)', cost: 0.5, estimated: true },
      { provider: 'gcp', date: '2026-03-09', service: 'Compute Engine (n2-standard-4)', cost: 6, estimated: true },
      { provider: 'gcp', date: '2026-03-10', service: 'Compute Engine (n2-standard-4)', cost: 1.5, estimated: true },
    ]);
  });

  it('counts only the part of a span inside the range', () => {
    const long = vm('e2-small', 'stopped', new Date(now - 30 * DAY).toISOString(), new Date(now).toISOString());
    const items = gceEstimatedCosts([long], { 'e2-small': 1 }, range, now);
    expect(items.map((i) => i.date)).toEqual(range.days);
    expect(items.reduce((a, i) => a + i.cost, 0)).toBe(6 * 24 + 6);
  });
});

describe('clouds.gcp config', () => {
  it('takes the endpoint and token URL from the environment, and names a bad one or a negative price', () => {
    const cfg = loadHubConfig(undefined, { KCLOUD_HUB_CLOUDS_GCP_ENDPOINT: 'http://127.0.0.1:8089', KCLOUD_HUB_CLOUDS_GCP_TOKEN_URL: 'http://127.0.0.1:8089/token' });
    expect(cfg.clouds.gcp).toEqual({ endpoint: 'http://127.0.0.1:8089', tokenUrl: 'http://127.0.0.1:8089/token', prices: {}, currency: 'USD' });
    expect(() => loadHubConfig(undefined, { KCLOUD_HUB_CLOUDS_GCP_ENDPOINT: 'ftp://x' })).toThrow(ConfigError);
    expect(() => loadHubConfig(undefined, { KCLOUD_HUB_CLOUDS_GCP_ENDPOINT: 'ftp://x' })).toThrow(/clouds\.gcp\.endpoint/);
    const dir = mkdtempSync(join(tmpdir(), 'gcp-prices-'));
    try {
      const file = join(dir, 'hub.yaml');
      writeFileSync(file, 'clouds:\n  gcp:\n    prices:\n      e2-small: 0.0168\n');
      expect(loadHubConfig(file, {}).clouds.gcp.prices).toEqual({ 'e2-small': 0.0168 });
      writeFileSync(file, 'clouds:\n  gcp:\n    prices:\n      e2-small: -1\n');
      expect(() => loadHubConfig(file, {})).toThrow(/clouds\.gcp\.prices\.e2-small/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
