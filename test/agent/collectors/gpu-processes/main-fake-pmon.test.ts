import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createGpuProcessesCollector } from '../../../../agent/collectors/gpu-processes/index.js';
import { parsePmon } from '../../../../agent/collectors/gpu-processes/parse-pmon.js';
import type { Collector, Sample } from '../../../../agent/collectors/types.js';
import { loadAgentConfig } from '../../../../agent/config.js';
import { LatestValues } from '../../../../agent/latest-values.js';
import { recordingSink } from '../../../helpers/collector-sink.js';
import { memoryLogger } from '../../../helpers/logger.js';
import { waitFor } from '../../../helpers/spawn-agent.js';

/** The fake the agent bench and the e2e fleets run for both GPU collectors (not the per-process nvidia-smi-apps). */
const FAKE = resolve(import.meta.dirname, '../../../fakes/nvidia-smi');
const UUID = 'GPU-00000000-0000-0000-0000-000000000000';
const GPU_WATTS = 631.95;

const find = (batch: Sample[], metric: string, pid: string) => batch.find((s) => s.metric === metric && s.labels?.pid === pid);

function runFake(args: string[], env: Record<string, string>): { status: number; stdout: string } {
  try {
    return { status: 0, stdout: execFileSync(FAKE, args, { encoding: 'utf8', env: { ...process.env, ...env } }) };
  } catch (err) {
    const e = err as { status: number; stdout: string };
    return { status: e.status, stdout: e.stdout };
  }
}

describe('test/fakes/nvidia-smi pmon (FAKE_NVIDIA_SMI_PMON=capture): the real pmon capture, as the collector asks for it', () => {
  it('replays `pmon -s u -d 1 -c 2` from the H100 load capture, replicas past GPU 0 with the no-process row', () => {
    const r = runFake(['pmon', '-s', 'u', '-d', '1', '-c', '2'], { FAKE_NVIDIA_SMI_PMON: 'capture', FAKE_NVIDIA_SMI_GPUS: '3' });
    expect(r.status).toBe(0);
    const rows = parsePmon(r.stdout);
    // Per interval: the capture's three processes on GPU 0, then GPUs 1 and 2 without any.
    const interval = [
      { gpu: 0, pid: 11327, sm: null, command: 'memhog' },
      { gpu: 0, pid: 11328, sm: null, command: 'memhog' },
      { gpu: 0, pid: 11345, sm: 99, command: 'gpu_burn' },
      { gpu: 1, pid: null, sm: null, command: null },
      { gpu: 2, pid: null, sm: null, command: null },
    ];
    expect(rows.map(({ gpu, pid, sm, command }) => ({ gpu, pid, sm, command }))).toEqual([...interval, ...interval]);
  });

  it('refuses pmon without the variable, and selections it has no capture of, as unsupported (exit 2)', () => {
    expect(runFake(['pmon', '-s', 'u', '-d', '1'], {}).status).toBe(2);
    expect(runFake(['pmon', '-s', 'm', '-c', '1'], { FAKE_NVIDIA_SMI_PMON: 'capture' })).toEqual({ status: 2, stdout: 'fake nvidia-smi: unsupported arguments pmon -s m -c 1\n' });
  });
});

describe('gpu-processes collector on test/fakes/nvidia-smi with its pmon', () => {
  let collector: Collector | undefined;
  let feeder: NodeJS.Timeout | undefined;
  const saved = { ...process.env };
  afterEach(async () => {
    clearInterval(feeder);
    await collector?.stop();
    collector = undefined;
    process.env = { ...saved };
  });

  it('keeps one pmon stream running (no restarts) and splits the power by its SM%', async () => {
    Object.assign(process.env, { FAKE_NVIDIA_SMI_PMON: 'capture', FAKE_NVIDIA_SMI_GPUS: '8', FAKE_NVIDIA_SMI_SCENARIO: 'h100-80gb-hbm3-590.48.01-load' });
    const config = loadAgentConfig(undefined, { KCLOUD_COLLECTORS_GPU_NVIDIA_SMI: FAKE, KCLOUD_COLLECTORS_GPU_INTERVAL: '200ms' });
    const latest = new LatestValues();
    const feed = () => {
      const ts = Date.now();
      latest.update([{ metric: 'gpu_power_watts', labels: { gpu: '0', uuid: UUID }, value: GPU_WATTS, ts }], ts);
    };
    feed();
    feeder = setInterval(feed, 100);
    const logger = memoryLogger();
    collector = createGpuProcessesCollector(config, { log: logger.log, latest });
    const rec = recordingSink();
    await collector.start(rec.sink);
    // gpu_burn at pmon's 99 % in batches 3.5 s apart: one pmon interval goes stale after 3 s (3 x its 1 s delay), so
    // the stream must have kept printing.
    const smTs = () => rec.batches.filter((b) => find(b, 'gpu_process_utilization_percent', '11345')?.value === 99).map((b) => b[0]!.ts!);
    await waitFor(() => smTs().length > 0 && smTs().at(-1)! - smTs()[0]! >= 3500, 20_000, 'SM% batches 3.5 s apart');
    const batch = rec.batches.at(-1)!;
    expect(find(batch, 'gpu_process_utilization_percent', '11327')!.value).toBe(0);
    expect(find(batch, 'gpu_process_power_watts', '11345')!.value).toBeCloseTo(GPU_WATTS * 0.99, 9);
    expect(logger.lines().filter((l) => String(l.msg).includes('exited; restarting'))).toEqual([]);
    expect(rec.errors).toEqual([]);
  });
});
