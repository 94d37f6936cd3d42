import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DMON_FIELDS, PROFILING_DMON_FIELDS } from '../../../../agent/collectors/dcgm/fields.js';
import { createDcgmCollector } from '../../../../agent/collectors/dcgm/index.js';
import type { Collector, Sample } from '../../../../agent/collectors/types.js';
import { loadAgentConfig } from '../../../../agent/config.js';
import { LatestValues } from '../../../../agent/latest-values.js';
import { recordingSink } from '../../../helpers/collector-sink.js';
import { memoryLogger } from '../../../helpers/logger.js';
import { waitFor } from '../../../helpers/spawn-agent.js';

const FAKE = resolve(import.meta.dirname, '../../../fakes/dcgmi');
const MiB = 1024 * 1024;
const UUID = 'GPU-00000000-0000-0000-0000-000000000000';

function fakeProcesses(): number {
  try {
    return execFileSync('pgrep', ['-f', FAKE], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

/** Command lines of the running fake `dcgmi dmon` streams (not one-shot `-c` reads). */
function dmonStreams(): string[] {
  try {
    return execFileSync('pgrep', ['-a', '-f', `${FAKE} dmon`], { encoding: 'utf8' }).trim().split('\n').filter((l) => !/ -c /.test(l));
  } catch {
    return [];
  }
}

/** Every argument after `dmon` of the running fake `dcgmi dmon` stream; [] while none runs. */
function dmonCommand(): string[] {
  const words = dmonStreams()[0]?.split(/\s+/) ?? [];
  return words.slice(words.indexOf('dmon') + 1);
}

/** `-e <ids>` of the running fake `dcgmi dmon`. */
function dmonArgs(): string[] {
  return dmonCommand().slice(0, 2);
}

describe('dcgm collector against the fake dcgmi (DCGM layout, values of the real H100 load capture)', () => {
  let collector: Collector | undefined;
  const saved = { ...process.env };
  afterEach(async () => {
    await collector?.stop();
    collector = undefined;
    process.env = { ...saved };
  });

  function make(env: Record<string, string>, dcgmi = FAKE, interval = '50ms', overrides: Record<string, string> = {}) {
    Object.assign(process.env, env);
    const config = loadAgentConfig(undefined, { KCLOUD_COLLECTORS_DCGM_DCGMI: dcgmi, KCLOUD_COLLECTORS_DCGM_INTERVAL: interval, ...overrides });
    const logger = memoryLogger();
    collector = createDcgmCollector(config, { log: logger.log, latest: new LatestValues() });
    return { collector, logger };
  }

  it('detects the GPUs through dcgmi discovery -l', async () => {
    expect(await make({}).collector.detect()).toEqual({ available: true, reason: `${FAKE}: 1 GPU(s)` });
  });

  it('reports a missing binary and a missing host engine as unavailable', async () => {
    expect(await make({}, '/nonexistent/dcgmi').collector.detect()).toEqual({ available: false, reason: '/nonexistent/dcgmi not found' });
    expect(await make({ FAKE_DCGMI_NO_HOSTENGINE: '1' }).collector.detect()).toEqual({
      available: false,
      reason: `${FAKE} discovery failed (Error: unable to establish a connection to the specified host: localhost)`,
    });
  });

  it('streams the dmon fields as kcloud metrics, across repeated headers, and publishes the GPU inventory', async () => {
    const { collector, logger } = make({});
    const rec = recordingSink();
    const t0 = Date.now();
    await collector.start(rec.sink);
    // dmon repeats its header after 15 iterations: 20 sets prove the parser reads on past it.
    await waitFor(() => rec.batches.length >= 20, 15_000, 'twenty dmon iterations');
    const batch = rec.batches[1]!;
    const get = (m: string) => batch.find((s) => s.metric === m);
    expect(get('gpu_power_watts')).toMatchObject({ value: 631.95, labels: { gpu: '0', uuid: UUID } });
    expect(get('gpu_power_instant_watts')?.value).toBe(625.68);
    expect(get('gpu_power_limit_watts')?.value).toBe(700);
    expect(get('gpu_temperature_celsius')?.value).toBe(59);
    expect(get('gpu_memory_temperature_celsius')?.value).toBe(54);
    expect(get('gpu_utilization_percent')?.value).toBe(100);
    expect(get('gpu_memory_utilization_percent')?.value).toBe(11);
    expect(get('gpu_memory_used_bytes')?.value).toBe(19818 * MiB);
    expect(get('gpu_memory_free_bytes')?.value).toBe(61263 * MiB);
    expect(get('gpu_memory_total_bytes')?.value).toBe(81559 * MiB);
    expect(get('gpu_sm_clock_mhz')?.value).toBe(1980);
    expect(get('gpu_memory_clock_mhz')?.value).toBe(2619);
    expect(get('gpu_throttle_reasons')?.value).toBe(0);
    expect(get('gpu_ecc_corrected_errors_total')?.value).toBe(0);
    // fan.speed is [N/A] on the H100: DCGM prints N/A, nothing is published.
    expect(get('gpu_fan_speed_percent')).toBeUndefined();
    // dcgm-exporter's default counters: encoder/decoder `0 %`, max clocks `1980 MHz` / `2619 MHz` in the capture.
    expect(get('gpu_encoder_utilization_percent')?.value).toBe(0);
    expect(get('gpu_decoder_utilization_percent')?.value).toBe(0);
    expect(get('gpu_sm_clock_max_mhz')?.value).toBe(1980);
    expect(get('gpu_memory_clock_max_mhz')?.value).toBe(2619);
    // PCIe replays and the last XID print N/A in the fake (no capture holds them): absent, never 0.
    expect(get('gpu_pcie_replay_total')).toBeUndefined();
    expect(get('gpu_xid_last')).toBeUndefined();
    // Profiling fields are not watched by default.
    expect(dmonArgs()).toEqual(['-e', DEFAULT_DMON_FIELDS.join(',')]);
    // One row per GPU per iteration.
    expect(rec.batches.every((b) => b.filter((s: Sample) => s.metric === 'gpu_power_watts').length === 1)).toBe(true);
    // Energy counts up in joules: the fake integrates 631.95 W over its lifetime, in mJ,
    // so joules / 631.95 are seconds, fewer than the test has run (in mJ it would be 1000x more).
    const energy = rec.batches.map((b) => b.find((s) => s.metric === 'gpu_energy_joules')!.value);
    expect(energy.every((e, i) => i === 0 || e >= energy[i - 1]!)).toBe(true);
    expect(energy.at(-1)!).toBeGreaterThan(energy[0]!);
    expect(energy.at(-1)! / 631.95).toBeLessThan((Date.now() - t0) / 1000);
    expect(rec.inventories).toEqual([{ dcgm: { gpus: [{ id: 0, name: 'NVIDIA H100 80GB HBM3', pciBusId: '00000000:00:09.0', uuid: UUID }] } }]);
    expect(logger.text()).not.toMatch(/no row|columns differ/);
  });

  const MIG = { FAKE_DCGMI_MIG: '1', FAKE_DCGMI_CSV: 'h100-mig-590.48.01-load-query-gpu-all' };
  const PROFILING = { KCLOUD_COLLECTORS_DCGM_PROFILING: 'true' };

  it('watches only the GPUs on a MIG host without profiling: nothing is measured per instance then', async () => {
    const { collector } = make(MIG);
    const rec = recordingSink();
    await collector.start(rec.sink);
    await waitFor(() => rec.batches.length >= 3, 10_000, 'three dmon iterations');
    expect(dmonCommand()).toEqual(['-e', DEFAULT_DMON_FIELDS.join(','), '-d', '50']);
    const labels = new Set(rec.batches.flat().map((s) => JSON.stringify(s.labels)));
    expect([...labels]).toEqual([JSON.stringify({ gpu: '0', uuid: UUID })]);
  });

  it('with profiling on a MIG host, exports the activity ratios per GPU instance under GPU_I_ID / GPU_I_PROFILE labels', async () => {
    const { collector, logger } = make(MIG, FAKE, '50ms', PROFILING);
    const rec = recordingSink();
    await collector.start(rec.sink);
    await waitFor(() => rec.batches.length >= 3, 10_000, 'three dmon iterations');
    // The instances of `dcgmi discovery -c`, by DCGM entity id, beside every GPU.
    expect(dmonCommand()).toEqual(['-e', [...DEFAULT_DMON_FIELDS, ...PROFILING_DMON_FIELDS].join(','), '-d', '50', '-i', '*,i:3,i:2,i:0,i:1']);
    const batch = rec.batches[1]!;
    const of = (metric: string) => batch.filter((s) => s.metric === metric).map((s) => [s.labels, s.value]);
    const gi = (id: string, profile: string) => ({ gpu: '0', uuid: UUID, gpu_i: id, profile });
    expect(of('gpu_graphics_engine_active_ratio')).toEqual([
      [{ gpu: '0', uuid: UUID }, 0.423],
      [gi('2', '3g.40gb'), 0.987],
      [gi('3', '2g.20gb'), 0],
      [gi('9', '1g.10gb'), 0],
    ]);
    // Instance 9's tensor activity is N/A in the fixture: no series, never 0.
    expect(of('gpu_tensor_active_ratio').map(([l]) => (l as Record<string, string>).gpu_i)).toEqual([undefined, '2', '3']);
    expect(of('gpu_dram_active_ratio')).toContainEqual([gi('2', '3g.40gb'), 0.968]);
    // GPU-level fields come once per GPU, although every instance row repeats them.
    expect(of('gpu_power_watts')).toEqual([[{ gpu: '0', uuid: UUID }, 433.78]]);
    expect(of('gpu_pcie_tx_bytes_per_second')).toEqual([[{ gpu: '0', uuid: UUID }, 1873412]]);
    expect(of('gpu_memory_used_bytes')).toEqual([[{ gpu: '0', uuid: UUID }, 11125 * MiB]]);
    expect(logger.text()).not.toMatch(/no row|columns differ|unreadable/);
  });

  it('exports the instances without GPU_I_PROFILE, and says why, where their profile names cannot be read', async () => {
    const { collector, logger } = make({ ...MIG, FAKE_DCGMI_NO_NAMES: '1' }, FAKE, '50ms', PROFILING);
    const rec = recordingSink();
    await collector.start(rec.sink);
    await waitFor(() => rec.batches.length >= 2, 10_000, 'two dmon iterations');
    const instances = rec.batches[1]!.filter((s) => s.metric === 'gpu_graphics_engine_active_ratio' && s.labels?.gpu_i !== undefined);
    expect(instances.map((s) => s.labels)).toEqual(['2', '3', '9'].map((gpu_i) => ({ gpu: '0', uuid: UUID, gpu_i })));
    expect(logger.lines().find((l) => /MIG profile names unreadable/.test(String(l.msg)))?.reason).toBe(`${FAKE} dmon -e 50 failed (Error setting watches. Result: -5: Not Supported)`);
  });

  it('follows a MIG reconfiguration: after dmon exits, the new hierarchy gives a dmon with the new instances', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kcloud-dcgm-'));
    const tree = join(dir, 'discovery-c.txt');
    const full = readFileSync(resolve(import.meta.dirname, '../../../fixtures/dcgmi/h100-mig-discovery-c.txt'), 'utf8');
    writeFileSync(tree, full);
    try {
      const { collector } = make({ ...MIG, FAKE_DCGMI_HIERARCHY: tree }, FAKE, '50ms', PROFILING);
      const rec = recordingSink();
      await collector.start(rec.sink);
      await waitFor(() => rec.batches.length >= 1, 10_000, 'a dmon iteration');
      expect(dmonCommand().at(-1)).toBe('*,i:3,i:2,i:0,i:1');
      // The 1g.10gb instances (entity ids 0 and 1) destroyed; dmon dies as it would on a watched entity gone.
      writeFileSync(tree, full.split('\n').filter((l) => !/ 0\/(9|10)/.test(l)).join('\n'));
      const pid = Number(execFileSync('pgrep', ['-f', `${FAKE} dmon`], { encoding: 'utf8' }).trim().split('\n')[0]);
      process.kill(pid, 'SIGKILL');
      await waitFor(() => dmonCommand().at(-1) === '*,i:3,i:2', 15_000, 'a dmon watching the two remaining instances');
      const seen = rec.batches.length;
      await waitFor(() => rec.batches.length >= seen + 2, 10_000, 'iterations of the new dmon');
      expect(dmonStreams()).toHaveLength(1);
      const instances = new Set(rec.batches.slice(seen + 1).flat().flatMap((s) => (s.labels?.gpu_i ? [s.labels.gpu_i] : [])));
      expect([...instances].sort()).toEqual(['2', '3']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('watches the DCGM_FI_PROF_* fields too with collectors.dcgm.profiling', async () => {
    const { collector: c } = make({}, FAKE, '50ms', { KCLOUD_COLLECTORS_DCGM_PROFILING: 'true' });
    const rec = recordingSink();
    await c.start(rec.sink);
    await waitFor(() => rec.batches.length >= 1, 10_000, 'a dmon iteration');
    expect(dmonArgs()).toEqual(['-e', [...DEFAULT_DMON_FIELDS, 1001, 1002, 1003, 1004, 1005, 1009, 1010].join(',')]);
  });

  it('runs one dmon child and leaves none behind on stop', async () => {
    const { collector: c } = make({});
    const rec = recordingSink();
    await c.start(rec.sink);
    await waitFor(() => rec.batches.length >= 1, 10_000, 'a dmon iteration');
    expect(fakeProcesses()).toBe(1);
    await c.stop();
    collector = undefined;
    expect(fakeProcesses()).toBe(0);
  });
});
