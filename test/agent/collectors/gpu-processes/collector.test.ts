import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createGpuProcessesCollector, type PodResolver } from '../../../../agent/collectors/gpu-processes/index.js';
import type { Collector, Sample } from '../../../../agent/collectors/types.js';
import { loadAgentConfig } from '../../../../agent/config.js';
import { LatestValues } from '../../../../agent/latest-values.js';
import { recordingSink } from '../../../helpers/collector-sink.js';
import { memoryLogger } from '../../../helpers/logger.js';
import { waitFor } from '../../../helpers/spawn-agent.js';

const FAKE = resolve(import.meta.dirname, '../../../fakes/nvidia-smi-apps');
const PROC = resolve(import.meta.dirname, '../../../fakes/proc');
const MiB = 1024 * 1024;
const UUID = 'GPU-00000000-0000-0000-0000-000000000000';
// From test/fakes/proc/*/cgroup.
const POD_UID = 'b3c0f5a2-7d1e-4c9a-9f2e-5a6b7c8d9e0f';
const POD_CONTAINER = '4f1c2d3e4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d';
const DOCKER_CONTAINER = '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d';
// power.draw of the same H100 load capture the fake's processes come from.
const GPU_WATTS = 631.95;

function fakeProcesses(): number {
  try {
    return execFileSync('pgrep', ['-f', FAKE], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}

const find = (batch: Sample[], metric: string, pid: string) => batch.find((s) => s.metric === metric && s.labels?.pid === pid);

describe('gpu-processes collector against the fake nvidia-smi (real H100 capture pids) and a fake /proc', () => {
  let collector: Collector | undefined;
  let feeder: NodeJS.Timeout | undefined;
  const saved = { ...process.env };
  afterEach(async () => {
    clearInterval(feeder);
    await collector?.stop();
    collector = undefined;
    process.env = { ...saved };
  });

  /** Plays the gpu collector: keeps gpu_power_watts (and the GPU's utilisation) fresh in LatestValues. */
  function make(env: Record<string, string>, pods?: PodResolver) {
    Object.assign(process.env, env);
    const config = loadAgentConfig(undefined, { KCLOUD_COLLECTORS_GPU_NVIDIA_SMI: FAKE, KCLOUD_COLLECTORS_GPU_INTERVAL: '200ms', KCLOUD_PROC_ROOT: PROC });
    const latest = new LatestValues();
    const feed = () => {
      const ts = Date.now();
      latest.update([
        { metric: 'gpu_power_watts', labels: { gpu: '0', uuid: UUID }, value: GPU_WATTS, ts },
        { metric: 'gpu_utilization_percent', labels: { gpu: '0', uuid: UUID }, value: 100, ts },
      ], ts);
    };
    feed();
    feeder = setInterval(feed, 100);
    const logger = memoryLogger();
    collector = createGpuProcessesCollector(config, { log: logger.log, latest, pods });
    return { collector, logger };
  }

  it('detects the compute-apps query', async () => {
    const { collector } = make({});
    expect(await collector.detect()).toEqual({ available: true, reason: `${FAKE}: --query-compute-apps works` });
  });

  it('maps processes to pod, container and host, splits power by SM% and integrates energy', async () => {
    const pods: PodResolver = { byUid: (uid) => (uid === POD_UID ? { namespace: 'ml', name: 'burn-0', containers: { [POD_CONTAINER]: 'burner' } } : undefined) };
    const { collector } = make({}, pods);
    const rec = recordingSink();
    await collector.start(rec.sink);
    // pmon's first interval (gpu_burn 99 %, memhogs `-`) must have arrived: then gpu_burn gets 99 % of the power.
    await waitFor(() => rec.batches.filter((b) => (find(b, 'gpu_process_power_watts', '11345')?.value ?? 0) > 600).length >= 4, 15_000, 'four SM-weighted batches');
    const batch = rec.batches.at(-1)!;

    expect(find(batch, 'gpu_process_memory_used_bytes', '11345')).toMatchObject({
      value: 15690 * MiB,
      labels: { gpu: '0', uuid: UUID, pid: '11345', container_id: POD_CONTAINER, pod_uid: POD_UID, namespace: 'ml', pod: 'burn-0', container: 'burner' },
    });
    expect(find(batch, 'gpu_process_memory_used_bytes', '11327')).toMatchObject({
      value: 2566 * MiB,
      labels: { container_id: DOCKER_CONTAINER, pod_uid: '', namespace: '', pod: '', container: '' },
    });
    expect(find(batch, 'gpu_process_memory_used_bytes', '11328')).toMatchObject({
      value: 1542 * MiB,
      labels: { container_id: '', pod_uid: '', namespace: '', pod: '', container: '' },
    });

    // pmon's SM% per process, with the same pod labels: gpu_burn 99 %, the memhogs `-` (no kernel: 0 %); no series for "idle".
    expect(find(batch, 'gpu_process_utilization_percent', '11345')).toMatchObject({ value: 99, labels: { pid: '11345', pod_uid: POD_UID, namespace: 'ml', pod: 'burn-0', container: 'burner' } });
    expect(find(batch, 'gpu_process_utilization_percent', '11327')!.value).toBe(0);
    expect(find(batch, 'gpu_process_utilization_percent', '11328')!.value).toBe(0);
    expect(find(batch, 'gpu_process_utilization_percent', 'idle')).toBeUndefined();
    expect(find(batch, 'gpu_process_power_watts', '11345')!.value).toBeCloseTo(625.6305, 9);
    expect(find(batch, 'gpu_process_power_watts', '11327')!.value).toBe(0);
    expect(find(batch, 'gpu_process_power_watts', '11328')!.value).toBe(0);
    expect(find(batch, 'gpu_process_power_watts', 'idle')).toMatchObject({ labels: { gpu: '0', uuid: UUID, pid: 'idle', container_id: '', pod_uid: '' } });
    expect(find(batch, 'gpu_process_power_watts', 'idle')!.value).toBeCloseTo(6.3195, 9);

    // Σ energy over the GPU's series == P·(t_last − t_first): the power was constant the whole run.
    const energyBatches = rec.batches.filter((b) => b.some((s) => s.metric === 'gpu_process_energy_joules'));
    const t0 = energyBatches[0]![0]!.ts!;
    const last = energyBatches.at(-1)!;
    const total = last.filter((s) => s.metric === 'gpu_process_energy_joules').reduce((a, s) => a + s.value, 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeCloseTo((GPU_WATTS * (last[0]!.ts! - t0)) / 1000, 6);
    expect(rec.errors).toEqual([]);
  });

  it('keeps pod_uid and leaves pod names empty without a resolver', async () => {
    const { collector } = make({});
    const rec = recordingSink();
    await collector.start(rec.sink);
    await waitFor(() => rec.batches.some((b) => find(b, 'gpu_process_memory_used_bytes', '11345')), 10_000, 'a process batch');
    const s = rec.batches.map((b) => find(b, 'gpu_process_memory_used_bytes', '11345')).find(Boolean)!;
    expect(s.labels).toMatchObject({ container_id: POD_CONTAINER, pod_uid: POD_UID, namespace: '', pod: '', container: '' });
  });

  it('gives the whole power to "idle" when no compute process runs (idle capture)', async () => {
    const { collector } = make({ FAKE_APPS_PHASE: 'idle', FAKE_APPS_PMON: 'h100-80gb-hbm3-590.48.01-idle-pmon-c5' });
    const rec = recordingSink();
    await collector.start(rec.sink);
    await waitFor(() => rec.batches.length >= 2, 10_000, 'two batches');
    const batch = rec.batches.at(-1)!;
    expect(batch.filter((s) => s.metric === 'gpu_process_power_watts')).toEqual([
      { metric: 'gpu_process_power_watts', labels: { gpu: '0', uuid: UUID, pid: 'idle', container_id: '', pod_uid: '', namespace: '', pod: '', container: '' }, value: GPU_WATTS, ts: batch[0]!.ts },
    ]);
    expect(batch.some((s) => s.metric === 'gpu_process_memory_used_bytes')).toBe(false);
  });

  it('runs one compute-apps and one pmon child and leaves none behind on stop', async () => {
    const { collector: c } = make({});
    const rec = recordingSink();
    await c.start(rec.sink);
    await waitFor(() => rec.batches.length >= 1, 10_000, 'a batch');
    expect(fakeProcesses()).toBe(2);
    await c.stop();
    collector = undefined;
    expect(fakeProcesses()).toBe(0);
  });
});
