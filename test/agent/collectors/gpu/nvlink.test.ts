import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createGpuCollector } from '../../../../agent/collectors/gpu/index.js';
import type { Collector, Sample } from '../../../../agent/collectors/types.js';
import { loadAgentConfig } from '../../../../agent/config.js';
import { LatestValues } from '../../../../agent/latest-values.js';
import { recordingSink } from '../../../helpers/collector-sink.js';
import { memoryLogger } from '../../../helpers/logger.js';
import { waitFor } from '../../../helpers/spawn-agent.js';

const FAKE = resolve(import.meta.dirname, '../../../fakes/nvidia-smi');
const nvlinkSamples = (batches: Sample[][], metric: string) => batches.flat().filter((s) => s.metric === metric);

/** Pids of processes whose command line is exactly `argv` (none once a killed group is gone). */
function pidsRunning(argv: string): string[] {
  try {
    return execFileSync('pgrep', ['-x', '-f', argv], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

describe('gpu collector: NVLink throughput from nvidia-smi nvlink -gt d', () => {
  let collector: Collector | undefined;
  let dir: string | undefined;
  const saved = { ...process.env };
  afterEach(async () => {
    await collector?.stop();
    collector = undefined;
    process.env = { ...saved };
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  function make(env: Record<string, string>, nvidiaSmi = FAKE) {
    Object.assign(process.env, env);
    const config = loadAgentConfig(undefined, {
      KCLOUD_COLLECTORS_GPU_NVIDIA_SMI: nvidiaSmi,
      KCLOUD_COLLECTORS_GPU_INTERVAL: '200ms',
      KCLOUD_COLLECTORS_GPU_NVLINK_INTERVAL: '200ms',
      KCLOUD_COLLECTORS_GPU_KERNEL_LOG: '',
    });
    const logger = memoryLogger();
    collector = createGpuCollector(config, { log: logger.log, latest: new LatestValues() });
    return { collector, logger, rec: recordingSink() };
  }

  it('exports the byte counter of every NVLink GPU and its rate between reads (8x H100, counters growing)', async () => {
    const { collector, rec } = make({ FAKE_NVIDIA_SMI_GPUS: '8' });
    await collector.start(rec.sink);
    await waitFor(() => nvlinkSamples(rec.batches, 'gpu_nvlink_bytes_per_second').length >= 8, 15_000, 'a rate for each GPU');
    const totals = nvlinkSamples(rec.batches, 'gpu_nvlink_bytes_total');
    expect(new Set(totals.map((s) => s.labels!.gpu))).toEqual(new Set(['0', '1', '2', '3', '4', '5', '6', '7']));
    expect(totals.find((s) => s.labels!.gpu === '3')!.labels!.uuid).toBe('GPU-00000000-0000-0000-0000-000000000003');
    const gpu0 = totals.filter((s) => s.labels!.gpu === '0').map((s) => s.value);
    expect(gpu0.length).toBeGreaterThanOrEqual(2);
    expect(gpu0[1]!).toBeGreaterThan(gpu0[0]!);
    for (const s of nvlinkSamples(rec.batches, 'gpu_nvlink_bytes_per_second')) expect(s.value).toBeGreaterThan(0);
    expect(rec.errors).toEqual([]);
  });

  it('leaves NVLink out, with one log line, where nvidia-smi gives no counters (L40S: "Device does not have or support Nvlink"; H100 in MIG mode)', async () => {
    for (const scenario of ['l40s-595.80-load', 'h100-mig-590.48.01-load']) {
      const { collector, logger, rec } = make({ FAKE_NVIDIA_SMI_SCENARIO: scenario });
      await collector.start(rec.sink);
      await waitFor(() => logger.lines().some((l) => String(l.msg).startsWith('nvidia-smi nvlink -gt d gives no NVLink counters')), 10_000, `the no-NVLink line (${scenario})`);
      await waitFor(() => rec.batches.filter((b) => b.some((s) => s.metric === 'gpu_power_watts')).length >= 3, 10_000, 'GPU samples');
      expect(rec.batches.flat().some((s) => s.metric.startsWith('gpu_nvlink')), scenario).toBe(false);
      await collector.stop();
    }
  });

  it('kills the whole process group of a read that hangs in a wrapper when the collector stops', async () => {
    dir = mkdtempSync(join(tmpdir(), 'nvlink-wrapper-'));
    const wrapper = join(dir, 'nvidia-smi');
    // A wrapper that does not exec: its `nvlink` child pipeline hangs and would keep stdout open.
    writeFileSync(wrapper, `#!/bin/sh\nif [ "$1" = nvlink ]; then sleep 3171 | cat; exit 0; fi\nexec ${FAKE} "$@"\n`);
    chmodSync(wrapper, 0o755);
    const { collector, rec } = make({}, wrapper);
    await collector.start(rec.sink);
    await waitFor(() => pidsRunning('sleep 3171').length > 0, 10_000, 'the hanging nvlink read');
    await collector.stop();
    await waitFor(() => pidsRunning('sleep 3171').length === 0, 10_000, 'the hanging read\'s group to be gone');
    expect(rec.batches.flat().some((s) => s.metric.startsWith('gpu_nvlink'))).toBe(false);
  });
});
