import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { LatestSample } from '../../../hub/fleet/latest-values.js';
import { CHUNK_SERIES, renderFleet } from '../../../hub/prometheus/fleet-exporter.js';
import { PROMTOOL_BIN, requireTool } from '../../helpers/prometheus.js';

/** `n` GPUs, 8 per node, over two clusters. */
function gpuPower(n: number): LatestSample[] {
  return Array.from({ length: n }, (_, i) => ({
    metric: 'gpu_power_watts',
    labels: { node: `gpu-${Math.floor(i / 8)}`, cluster: i % 2 ? 'a' : 'b', gpu: String(i % 8), uuid: `GPU-${i}` },
    ts: 0,
    value: i + 0.5,
  }));
}

describe('renderFleet', () => {
  it('renders a family larger than a chunk as one family with every series', async () => {
    const n = CHUNK_SERIES * 2 + 7;
    const samples = gpuPower(n);
    const text = await renderFleet({ samples: (m) => (m === 'gpu_power_watts' ? samples : []), gpus: new Map([['GPU-3', { modelName: 'NVIDIA H100', pciBusId: '00000000:03:00.0', driverVersion: '590.48.01' }]]) });
    expect(text.match(/^# HELP DCGM_FI_DEV_POWER_USAGE /gm)).toHaveLength(1);
    const lines = text.split('\n').filter((l) => l.startsWith('DCGM_FI_DEV_POWER_USAGE{'));
    expect(lines).toHaveLength(n);
    expect(lines).toContain('DCGM_FI_DEV_POWER_USAGE{gpu="3",UUID="GPU-3",pci_bus_id="00000000:03:00.0",device="nvidia3",modelName="NVIDIA H100",Hostname="gpu-0",hostname="gpu-0",DCGM_FI_DRIVER_VERSION="590.48.01",cluster="a"} 3.5');
    expect(lines.at(-1)).toBe(`DCGM_FI_DEV_POWER_USAGE{gpu="${(n - 1) % 8}",UUID="GPU-${n - 1}",pci_bus_id="",device="nvidia${(n - 1) % 8}",modelName="",Hostname="gpu-${Math.floor((n - 1) / 8)}",hostname="gpu-${Math.floor((n - 1) / 8)}",DCGM_FI_DRIVER_VERSION="",cluster="${(n - 1) % 2 ? 'a' : 'b'}"} ${n - 1 + 0.5}`);
    const check = spawnSync(requireTool(PROMTOOL_BIN), ['check', 'metrics'], { input: text, encoding: 'utf8' });
    // Parses; only dcgm-exporter's camelCase label is linted.
    expect(new Set((check.stdout + check.stderr).split('\n').filter(Boolean))).toEqual(new Set(["DCGM_FI_DEV_POWER_USAGE label names should be written in 'snake_case' not 'camelCase'"]));
  });

  it('yields to the event loop between chunks', async () => {
    const samples = gpuPower(CHUNK_SERIES * 6);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    try {
      await renderFleet({ samples: (m) => (m === 'gpu_power_watts' ? samples : []), gpus: new Map() });
    } finally {
      clearInterval(timer);
    }
    // A render that never yielded would let the interval run at most once (after it).
    expect(ticks).toBeGreaterThanOrEqual(3);
  });
});
