import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createGpuCollector } from '../../../../agent/collectors/gpu/index.js';
import type { GpuInventory } from '../../../../agent/collectors/gpu/inventory.js';
import { loadAgentConfig } from '../../../../agent/config.js';
import { LatestValues } from '../../../../agent/latest-values.js';
import type { Collector, Sample } from '../../../../agent/collectors/types.js';
import { recordingSink } from '../../../helpers/collector-sink.js';
import { memoryLogger } from '../../../helpers/logger.js';
import { waitFor } from '../../../helpers/spawn-agent.js';

const FAKE = resolve(import.meta.dirname, '../../../fakes/nvidia-smi');
const MiB = 1024 * 1024;
const MASKED = 'GPU-00000000-0000-0000-0000-000000000000';

/** Fake nvidia-smi processes that are children of this test process (other suites may run their own). */
function fakeChildren(): string[] {
  try {
    return execFileSync('pgrep', ['-P', String(process.pid), '-f', FAKE], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** The nvidia-smi arguments of those children, e.g. `dmon -s t -d 1`. */
const fakeArgs = () =>
  fakeChildren().flatMap((pid) => {
    try {
      return [readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(2).join(' ')];
    } catch {
      return []; // exited meanwhile
    }
  });

const value = (batch: Sample[], metric: string) => batch.find((s) => s.metric === metric)?.value;
const gpuBatches = (batches: Sample[][]) => batches.filter((b) => b.some((s) => s.metric === 'gpu_power_watts'));
const gpusOf = (inventory: Record<string, unknown> | undefined) => (inventory?.gpus ?? []) as GpuInventory[];

describe('gpu collector against the fake nvidia-smi (real captures)', () => {
  let collector: Collector | undefined;
  const saved = { ...process.env };
  afterEach(async () => {
    await collector?.stop();
    collector = undefined;
    process.env = { ...saved };
  });

  function make(env: Record<string, string>, interval = '200ms') {
    Object.assign(process.env, env);
    const config = loadAgentConfig(undefined, { KCLOUD_COLLECTORS_GPU_NVIDIA_SMI: FAKE, KCLOUD_COLLECTORS_GPU_INTERVAL: interval });
    const logger = memoryLogger();
    collector = createGpuCollector(config, { log: logger.log, latest: new LatestValues() });
    return { collector, logger, rec: recordingSink() };
  }

  it('streams the H100 capture values from one process and reads the inventory from -q when -q -x fails', async () => {
    const { collector, logger, rec } = make({ FAKE_NVIDIA_SMI_SCENARIO: 'h100-80gb-hbm3-590.48.01-load' });
    expect(await collector.detect()).toEqual({ available: true, reason: `${FAKE}: 1 GPU(s)` });
    const t0 = Date.now();
    await collector.start(rec.sink);
    await waitFor(() => gpuBatches(rec.batches).length >= 3 && rec.inventories.length >= 1, 10_000, 'three sample sets and the inventory');
    const batch = gpuBatches(rec.batches)[1]!;
    // Values of `load-query-gpu-all.csv`: `631.95 W`, `625.68 W`, `700.00 W`, `100 %`, `19818 MiB`, `59`, `0x0000000000000000`.
    expect(value(batch, 'gpu_power_watts')).toBe(631.95);
    expect(value(batch, 'gpu_power_instant_watts')).toBe(625.68);
    expect(value(batch, 'gpu_power_limit_watts')).toBe(700);
    expect(value(batch, 'gpu_utilization_percent')).toBe(100);
    expect(value(batch, 'gpu_memory_used_bytes')).toBe(19818 * MiB);
    expect(value(batch, 'gpu_temperature_celsius')).toBe(59);
    expect(value(batch, 'gpu_throttle_reasons')).toBe(0);
    // `fan.speed` is `[N/A]` on the H100: absent, not 0.
    expect(value(batch, 'gpu_fan_speed_percent')).toBeUndefined();
    expect(batch[0]!.labels).toEqual({ gpu: '0', uuid: MASKED });
    for (const s of batch) expect(s.ts).toBeGreaterThanOrEqual(t0);
    expect(new Set(batch.map((s) => s.ts)).size).toBe(1);
    // Inventory from `load-q.txt` (the fake has no XML for this scenario).
    const [gpu] = gpusOf(rec.inventories[0]);
    expect(gpu).toMatchObject({ index: 0, uuid: MASKED, name: 'NVIDIA H100 80GB HBM3', driverVersion: '590.48.01', cudaVersion: '13.1', migMode: 'Disabled', vbios: '96.00.A5.00.01' });
    expect(gpu!.processes.map((p) => p.pid)).toEqual([11327, 11328, 11345]);
    expect(logger.text()).toContain('GPU inventory read from nvidia-smi -q (no XML output)');
    // One inventory: it is re-read only when the GPUs change or every 4 minutes.
    expect(rec.inventories).toHaveLength(1);
    expect(rec.errors).toEqual([]);
    // Two long-running processes: the query stream and the PCIe dmon stream (`-d` in whole seconds, at least 1).
    await waitFor(() => fakeArgs().length === 2, 10_000, 'both streams');
    expect(fakeArgs()).toHaveLength(2);
    expect(fakeArgs().filter((a) => a.startsWith('--query-gpu=')).map((a) => a.split(' ').slice(1).join(' '))).toEqual(['--format=csv,noheader,nounits -lms 200']);
    expect(fakeArgs().filter((a) => a.startsWith('dmon'))).toEqual(['dmon -s t -d 1']);
  });

  it('streams PCIe throughput from `dmon -s t`, labelled with the query stream UUIDs (fake: rx 4000 + index, tx 2000 + index MB/s)', async () => {
    const { collector, rec } = make({ FAKE_NVIDIA_SMI_GPUS: '2' });
    await collector.start(rec.sink);
    const pcie = (b: Sample[]) => b.filter((s) => /^gpu_pcie_.*_bytes_per_second$/.test(s.metric));
    await waitFor(() => rec.batches.filter((b) => pcie(b).length > 0).length >= 2, 10_000, 'two PCIe sets');
    const [set] = rec.batches.filter((b) => pcie(b).length > 0);
    const uuid = (n: number) => `GPU-00000000-0000-0000-0000-${String(n).padStart(12, '0')}`;
    expect(set!.map((s) => [s.metric, s.labels, s.value])).toEqual([
      ['gpu_pcie_rx_bytes_per_second', { gpu: '0', uuid: uuid(0) }, 4000e6],
      ['gpu_pcie_tx_bytes_per_second', { gpu: '0', uuid: uuid(0) }, 2000e6],
      ['gpu_pcie_rx_bytes_per_second', { gpu: '1', uuid: uuid(1) }, 4001e6],
      ['gpu_pcie_tx_bytes_per_second', { gpu: '1', uuid: uuid(1) }, 2001e6],
    ]);
    // One loop, one timestamp.
    expect(new Set(set!.map((s) => s.ts)).size).toBe(1);
    // The query stream's samples carry no PCIe metric: only dmon's do.
    expect(gpuBatches(rec.batches).every((b) => pcie(b).length === 0)).toBe(true);
  });

  it('leaves PCIe off with one log line when the driver refuses `dmon -s t`; the GPU stream goes on', async () => {
    const { collector, logger, rec } = make({ FAKE_NVIDIA_SMI_DMON: 'unsupported' });
    await collector.start(rec.sink);
    await waitFor(() => logger.text().includes('nvidia-smi dmon -s t unsupported'), 10_000, 'the unsupported line');
    await waitFor(() => gpuBatches(rec.batches).length >= 3, 10_000, 'GPU samples');
    const lines = logger.lines().filter((l) => String(l.msg).includes('dmon'));
    expect(lines).toEqual([expect.objectContaining({ level: 30, msg: 'nvidia-smi dmon -s t unsupported; no PCIe throughput from nvidia-smi', reason: expect.stringContaining('Invalid combination of input arguments') })]);
    expect(rec.batches.flat().filter((s) => /^gpu_pcie_.*_bytes_per_second$/.test(s.metric))).toEqual([]);
    expect(rec.errors).toEqual([]);
    expect(fakeArgs().filter((a) => a.startsWith('dmon'))).toEqual([]);
  });

  it('reads the inventory from -q -x when the driver has it', async () => {
    const { collector, logger, rec } = make({ FAKE_NVIDIA_SMI_SCENARIO: 'h100-mig-590.48.01-load', FAKE_NVIDIA_SMI_XML: 'telegraf-a100-sxm4-v12.xml' });
    await collector.start(rec.sink);
    await waitFor(() => rec.inventories.length >= 1, 10_000, 'the inventory');
    const [gpu] = gpusOf(rec.inventories[0]);
    expect(gpu).toMatchObject({ name: 'NVIDIA A100-SXM4-80GB', uuid: 'GPU-513536b6-7d19-9063-b049-1e69664bb298', driverVersion: '535.54.03', migMode: 'Enabled' });
    expect(gpu!.migDevices.map((d) => d.gpuInstanceId)).toEqual([3, 4, 5, 6]);
    expect(logger.text()).toContain('GPU inventory read from nvidia-smi -q -x');
  });

  it('sends MIG utilisation as absent and per-instance memory with -L profiles (H200 MIG)', async () => {
    const { collector, rec } = make({ FAKE_NVIDIA_SMI_SCENARIO: 'h200-mig-590.48.01-load' });
    await collector.start(rec.sink);
    await waitFor(() => gpuBatches(rec.batches).length >= 2 && rec.inventories.length >= 1, 10_000, 'samples and the inventory');
    const batch = gpuBatches(rec.batches)[1]!;
    // `h200-mig-590.48.01-load-query-gpu-all.csv`: `295.01 W`, utilization `[N/A]`, `16959 MiB`.
    expect(value(batch, 'gpu_power_watts')).toBe(295.01);
    expect(value(batch, 'gpu_utilization_percent')).toBeUndefined();
    expect(value(batch, 'gpu_memory_utilization_percent')).toBeUndefined();
    expect(value(batch, 'gpu_memory_used_bytes')).toBe(16959 * MiB);
    const mig = rec.batches.flat().filter((s) => s.metric === 'gpu_mig_memory_used_bytes');
    // `-q` MIG Device 1: GI 2, CI 1, Used 16925 MiB; `-L`: `MIG 2c.3g.71gb Device 1`.
    expect(mig).toContainEqual(expect.objectContaining({ labels: { gpu: '0', uuid: MASKED, gpu_i: '2', profile: '2c.3g.71gb' }, value: 16925 * MiB }));
    expect(mig).toHaveLength(5);
    expect(gpusOf(rec.inventories[0])[0]!.migDevices.map((d) => d.profile)).toEqual(['1c.3g.71gb', '2c.3g.71gb', '2g.35gb', '1g.18gb', '1g.18gb']);
    // Without DCGM the inventory says why the utilisation is absent.
    expect(gpusOf(rec.inventories[0])[0]!.utilization).toBe('not_supported_in_mig');
  });

  it('groups the rows of 8 GPUs into one set per loop', async () => {
    const { collector, rec } = make({ FAKE_NVIDIA_SMI_GPUS: '8' });
    await collector.start(rec.sink);
    await waitFor(() => gpuBatches(rec.batches).length >= 3 && rec.inventories.length >= 1, 10_000, 'three sample sets');
    for (const batch of gpuBatches(rec.batches).slice(0, 3)) {
      const gpus = batch.filter((s) => s.metric === 'gpu_power_watts').map((s) => s.labels!.gpu);
      expect(gpus).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    }
    expect(gpusOf(rec.inventories[0]).map((g) => g.uuid)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((n) => `GPU-00000000-0000-0000-0000-${String(n).padStart(12, '0')}`));
  });

  it('asks an old driver only for fields it has (465 capture with the v1 field list)', async () => {
    const { collector, logger, rec } = make({ FAKE_NVIDIA_SMI_SCENARIO: 'nvgpuexp-rtx2080super-465.27-linux-query-gpu-v1fields' });
    await collector.start(rec.sink);
    await waitFor(() => gpuBatches(rec.batches).length >= 2, 10_000, 'samples');
    const batch = gpuBatches(rec.batches)[1]!;
    // The 465 row: `30.37 W`, `250.00 W` enforced, `344 MiB`, `38 %` fan, clocks_throttle_reasons.active
    // `0x0000000000000001` (GPU idle), temperature.memory `N/A`.
    expect(value(batch, 'gpu_power_watts')).toBe(30.37);
    expect(value(batch, 'gpu_power_limit_watts')).toBe(250);
    expect(value(batch, 'gpu_memory_used_bytes')).toBe(344 * MiB);
    expect(value(batch, 'gpu_fan_speed_percent')).toBe(38);
    expect(value(batch, 'gpu_throttle_reasons')).toBe(1);
    expect(value(batch, 'gpu_memory_temperature_celsius')).toBeUndefined();
    expect(value(batch, 'gpu_power_instant_watts')).toBeUndefined();
    const refused = logger.lines().filter((l) => l.msg === 'nvidia-smi refused a query field; querying without it');
    expect(refused.map((l) => [l.refused, l.instead])).toEqual([
      ['power.draw.instant', undefined],
      ['clocks_event_reasons.active', 'clocks_throttle_reasons.active'],
      // Fields that came after the v1 list; their metrics are simply absent on this driver.
      ['utilization.encoder', undefined],
      ['utilization.decoder', undefined],
      ['memory.reserved', undefined],
      ['remapped_rows.correctable', undefined],
      ['remapped_rows.uncorrectable', undefined],
      ['remapped_rows.failure', undefined],
    ]);
    expect(value(batch, 'gpu_encoder_utilization_percent')).toBeUndefined();
    // clocks.max.* is in the v1 list: `2100 MHz` SM on this card.
    expect(value(batch, 'gpu_sm_clock_max_mhz')).toBeGreaterThan(0);
    // This capture has no `-q` output: the inventory read fails and is reported, the stream goes on.
    await waitFor(() => rec.errors.length >= 1, 10_000, 'the inventory error');
    expect(rec.errors[0]!.message).toMatch(/-q failed/);
  });

  it('restarts nvidia-smi when it dies, re-reads the inventory when the GPUs change, and leaves no process behind', async () => {
    const { collector: c, logger, rec } = make({ FAKE_NVIDIA_SMI_DIE_AFTER_MS: '600', FAKE_NVIDIA_SMI_GPUS: '2' });
    await c.start(rec.sink);
    await waitFor(() => gpuBatches(rec.batches).length >= 1 && rec.inventories.length >= 1, 10_000, 'first samples');
    expect(gpusOf(rec.inventories[0])).toHaveLength(2);
    // The next nvidia-smi (after the restart) sees a third GPU.
    process.env.FAKE_NVIDIA_SMI_GPUS = '3';
    await waitFor(() => logger.text().includes('nvidia-smi exited; restarting'), 10_000, 'a restart');
    await waitFor(() => gpuBatches(rec.batches).some((b) => b.filter((s) => s.metric === 'gpu_power_watts').length === 3), 10_000, 'samples of 3 GPUs');
    await waitFor(() => rec.inventories.length >= 2, 10_000, 'a second inventory');
    expect(gpusOf(rec.inventories[1])).toHaveLength(3);
    const exit = logger.lines().find((l) => l.msg === 'nvidia-smi exited; restarting')!;
    expect(exit).toMatchObject({ exitCode: 1, restartInMs: 1000 });
    // The dmon stream is kept alive by the same restart loop.
    await waitFor(() => logger.text().includes('nvidia-smi dmon exited; restarting'), 10_000, 'a dmon restart');
    expect(logger.lines().find((l) => l.msg === 'nvidia-smi dmon exited; restarting')).toMatchObject({ what: 'nvidia-smi dmon', exitCode: 1, restartInMs: 1000 });
    await waitFor(() => fakeChildren().length > 0, 10_000, 'a running nvidia-smi to stop');
    await c.stop();
    collector = undefined;
    expect(fakeChildren()).toEqual([]);
    const after = rec.batches.length;
    await new Promise((r) => setTimeout(r, 600));
    expect(rec.batches.length).toBe(after);
  });

  it('reports a missing binary as unavailable', async () => {
    const config = loadAgentConfig(undefined, { KCLOUD_COLLECTORS_GPU_NVIDIA_SMI: '/nonexistent/nvidia-smi' });
    const c = createGpuCollector(config, { log: memoryLogger().log, latest: new LatestValues() });
    expect(await c.detect()).toEqual({ available: false, reason: '/nonexistent/nvidia-smi not found' });
  });
});
