import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NvlinkRates } from '../../../agent/collectors/gpu/nvlink-samples.js';
import { parseNvlinkThroughput } from '../../../agent/collectors/gpu/parse-nvlink.js';
import { XidTracker } from '../../../agent/collectors/gpu/xid.js';
import { parseKmsgRecord } from '../../../agent/collectors/kmsg/parse-record.js';
import { LatestValues } from '../../../agent/latest-values.js';
import { renderMetrics } from '../../../agent/metrics/render.js';
import { PROMTOOL_BIN, requireTool } from '../../helpers/prometheus.js';
import { SELF } from './node-samples.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures');
const GOLDEN = resolve(import.meta.dirname, 'golden/xid-nvlink-a100-host.prom');
const NOW = Date.parse('2026-11-23T10:00:00Z');

/**
 * A host with the two NVLink-bridged A100s of the real `nvlink -gt d` reads
 * (test/fixtures/nvlink), given the first two bus ids of the kernel-log
 * fixture (test/fixtures/kmsg) so that GPU 0 has its XIDs 13, 13, 31. The reads
 * carry no driver version: DCGM_FI_DRIVER_VERSION is empty.
 */
async function exposition(): Promise<string> {
  const read = (f: string) => parseNvlinkThroughput(readFileSync(resolve(FIXTURES, 'nvlink', f), 'utf8'));
  const first = read('a100-pcie-40gb-gt-d-first.txt');
  const gpus = first.map((g) => ({ index: g.index, uuid: g.uuid, name: 'A100-PCIE-40GB', pciBusId: `00000000:0${g.index + 1}:09.0` }));
  const rates = new NvlinkRates();
  const xid = new XidTracker();
  xid.setGpus(gpus);
  xid.add(readFileSync(resolve(FIXTURES, 'kmsg/nvrm-xid-8gpu.kmsg'), 'utf8').split('\n').flatMap((l) => parseKmsgRecord(l) ?? []));
  const latest = new LatestValues();
  latest.update([...rates.samples(first, NOW - 6000), ...rates.samples(read('a100-pcie-40gb-gt-d-second.txt'), NOW - 1000), ...xid.samples(NOW - 1000)], NOW);
  const { text } = await renderMetrics({ samples: latest.all(), inventory: { gpus }, node: 'a100-host', cluster: 'lab', self: SELF, now: NOW });
  return text;
}

describe('golden node /metrics: XIDs from the kernel log and NVLink from nvidia-smi', () => {
  it('matches its golden file (UPDATE_GOLDEN=1 rewrites it) and passes promtool but for dcgm-exporter naming', async () => {
    const text = await exposition();
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, text);
    expect(existsSync(GOLDEN), GOLDEN).toBe(true);
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
    // dcgm-exporter's names and labels, as its dashboards select them.
    expect(text).toMatch(/^DCGM_FI_DEV_XID_ERRORS\{gpu="0",UUID="GPU-f41a1a93-42ec-1dc1-e936-03c617b58fd4",pci_bus_id="00000000:01:09.0",device="nvidia0",modelName="A100-PCIE-40GB",.*\} 31$/m);
    expect(text).toMatch(/^DCGM_FI_DEV_XID_ERRORS\{gpu="1",.*\} 0$/m);
    expect(text).toMatch(/^# TYPE DCGM_FI_DEV_NVLINK_BANDWIDTH_TOTAL counter$/m);
    expect(text).toMatch(/^kcloud_gpu_xid_errors_total\{gpu="0",uuid="GPU-f41a1a93-42ec-1dc1-e936-03c617b58fd4",xid="13",.*\} 2$/m);
    const check = spawnSync(requireTool(PROMTOOL_BIN), ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.error).toBeUndefined();
    for (const f of (check.stdout + check.stderr).split('\n').filter(Boolean)) {
      expect(f).toMatch(/^DCGM_FI_\w+ (label names should be written in 'snake_case' not 'camelCase'|counter metrics should have "_total" suffix)$/);
    }
  });
});
