import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createGpuCollector } from '../../../../agent/collectors/gpu/index.js';
import { loadAgentConfig } from '../../../../agent/config.js';
import { LatestValues } from '../../../../agent/latest-values.js';
import type { Collector } from '../../../../agent/collectors/types.js';
import { recordingSink } from '../../../helpers/collector-sink.js';
import { memoryLogger } from '../../../helpers/logger.js';
import { waitFor } from '../../../helpers/spawn-agent.js';

const FAKE = resolve(import.meta.dirname, '../../../fakes/nvidia-smi');
const MiB = 1024 * 1024;

function fakeProcesses(): number {
  try {
    return execFileSync('pgrep', ['-f', FAKE], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

describe('gpu collector against the fake nvidia-smi (real H100 capture)', () => {
  let collector: Collector | undefined;
  const saved = { ...process.env };
  afterEach(async () => {
    await collector?.stop();
    process.env = { ...saved };
  });

  function make(env: Record<string, string>, interval = '200ms') {
    Object.assign(process.env, env);
    const config = loadAgentConfig(undefined, { KCLOUD_COLLECTORS_GPU_NVIDIA_SMI: FAKE, KCLOUD_COLLECTORS_GPU_INTERVAL: interval });
    const logger = memoryLogger();
    collector = createGpuCollector(config, { log: logger.log, latest: new LatestValues() });
    return { collector, logger };
  }

  it('detects the GPUs and streams the capture values from one process', async () => {
    const { collector } = make({ FAKE_NVIDIA_SMI_CAPTURE: 'linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01', FAKE_NVIDIA_SMI_PHASE: 'load' });
    expect(await collector.detect()).toEqual({ available: true, reason: `${FAKE}: 1 GPU(s)` });
    const rec = recordingSink();
    await collector.start(rec.sink);
    await waitFor(() => rec.batches.length >= 3, 10_000, 'three sample sets');
    const batch = rec.batches[1]!;
    const get = (m: string) => batch.find((s) => s.metric === m)?.value;
    expect(get('gpu_power_watts')).toBe(631.95);
    expect(get('gpu_utilization_percent')).toBe(100);
    expect(get('gpu_memory_used_bytes')).toBe(19818 * MiB);
    expect(get('gpu_temperature_celsius')).toBe(59);
    expect(get('gpu_fan_speed_percent')).toBeUndefined();
    expect(rec.inventories[0]).toMatchObject({ gpus: [{ index: 0, name: 'NVIDIA H100 80GB HBM3', driverVersion: '590.48.01', migMode: 'Disabled' }] });
    // One inventory: it only changes when the GPUs do.
    expect(rec.inventories).toHaveLength(1);
    expect(fakeProcesses()).toBe(1);
  });

  it('groups rows into one set per loop with 8 GPUs', async () => {
    const { collector } = make({ FAKE_NVIDIA_SMI_GPUS: '8' });
    const rec = recordingSink();
    await collector.start(rec.sink);
    await waitFor(() => rec.batches.length >= 3, 10_000, 'three sample sets');
    const gpus = new Set(rec.batches[1]!.filter((s) => s.metric === 'gpu_power_watts').map((s) => s.labels!.gpu));
    expect([...gpus].sort()).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
  });

  it('restarts nvidia-smi when it dies and leaves no process behind on stop', async () => {
    const { collector: c, logger } = make({ FAKE_NVIDIA_SMI_DIE_AFTER_MS: '500' });
    const rec = recordingSink();
    await c.start(rec.sink);
    await waitFor(() => logger.text().includes('nvidia-smi exited; restarting'), 10_000, 'a restart');
    const before = rec.batches.length;
    await waitFor(() => rec.batches.length > before + 1, 10_000, 'samples after the restart');
    await c.stop();
    collector = undefined;
    expect(fakeProcesses()).toBe(0);
  });

  it('reports a missing binary as unavailable', async () => {
    const config = loadAgentConfig(undefined, { KCLOUD_COLLECTORS_GPU_NVIDIA_SMI: '/nonexistent/nvidia-smi' });
    const c = createGpuCollector(config, { log: memoryLogger().log, latest: new LatestValues() });
    expect(await c.detect()).toEqual({ available: false, reason: '/nonexistent/nvidia-smi not found' });
  });
});
