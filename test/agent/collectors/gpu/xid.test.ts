import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createGpuCollector } from '../../../../agent/collectors/gpu/index.js';
import { XidTracker } from '../../../../agent/collectors/gpu/xid.js';
import { parseKmsgRecord, type KmsgRecord } from '../../../../agent/collectors/kmsg/parse-record.js';
import type { Collector, Sample } from '../../../../agent/collectors/types.js';
import { loadAgentConfig } from '../../../../agent/config.js';
import { LatestValues } from '../../../../agent/latest-values.js';
import { recordingSink } from '../../../helpers/collector-sink.js';
import { memoryLogger } from '../../../helpers/logger.js';
import { waitFor } from '../../../helpers/spawn-agent.js';

const FIXTURE = resolve(import.meta.dirname, '../../../fixtures/kmsg/nvrm-xid-8gpu.kmsg');
const FAKE = resolve(import.meta.dirname, '../../../fakes/nvidia-smi');
const records = (): KmsgRecord[] => readFileSync(FIXTURE, 'utf8').split('\n').flatMap((l) => parseKmsgRecord(l) ?? []);
/** The fake's 8-GPU host: GPU n at bus 00000000:0<n+1>:09.0. */
const EIGHT = Array.from({ length: 8 }, (_, n) => ({ index: n, uuid: `GPU-${n}`, pciBusId: `00000000:0${n + 1}:09.0` }));
const byGpu = (samples: Sample[], metric: string) => Object.fromEntries(samples.filter((s) => s.metric === metric).map((s) => [s.labels!.gpu, s.value]));

describe('XidTracker', () => {
  it('keeps the last XID per GPU (0 without one) and counts each XID, matched by bus id', () => {
    const t = new XidTracker();
    t.setGpus(EIGHT);
    expect(t.add(records())).toBe(true);
    const samples = t.samples(1000);
    // GPU 0: 13, 13, then 31; GPU 2: 79; GPU 3: 43 (a MIG instance's). GPU 4's line came from user space (facility 1): ignored.
    expect(byGpu(samples, 'gpu_xid_last')).toEqual({ 0: 31, 1: 0, 2: 79, 3: 43, 4: 0, 5: 0, 6: 0, 7: 0 });
    expect(samples.filter((s) => s.metric === 'gpu_xid_errors_total').map((s) => [s.labels!.gpu, s.labels!.xid, s.value])).toEqual([
      ['0', '13', 2],
      ['0', '31', 1],
      ['2', '79', 1],
      ['3', '43', 1],
    ]);
    expect(samples.find((s) => s.metric === 'gpu_xid_last' && s.labels!.gpu === '2')).toEqual({ metric: 'gpu_xid_last', labels: { gpu: '2', uuid: 'GPU-2' }, value: 79, ts: 1000 });
  });

  it('keeps an XID of a GPU not in the inventory until a GPU at that bus id is', () => {
    const t = new XidTracker();
    t.setGpus(EIGHT);
    t.add(records());
    expect(t.samples(0).some((s) => s.labels!.uuid === 'GPU-3b')).toBe(false);
    t.setGpus([{ index: 0, uuid: 'GPU-3b', pciBusId: '00000000:3B:00.0' }]);
    expect(byGpu(t.samples(0), 'gpu_xid_last')).toEqual({ 0: 94 });
  });

  it('says when records hold no XID, and exports nothing for a GPU without a bus id', () => {
    const t = new XidTracker();
    expect(t.add(records().filter((r) => !r.message.includes('Xid')))).toBe(false);
    t.setGpus([{ index: 0, uuid: 'GPU-x', pciBusId: null }]);
    expect(t.samples(0)).toEqual([]);
  });
});

describe('gpu collector: XIDs from the kernel log', () => {
  let collector: Collector | undefined;
  const saved = { ...process.env };
  afterEach(async () => {
    await collector?.stop();
    collector = undefined;
    process.env = { ...saved };
  });

  function make(kernelLog: string) {
    process.env.FAKE_NVIDIA_SMI_GPUS = '8';
    const config = loadAgentConfig(undefined, { KCLOUD_COLLECTORS_GPU_NVIDIA_SMI: FAKE, KCLOUD_COLLECTORS_GPU_INTERVAL: '200ms', KCLOUD_COLLECTORS_GPU_KERNEL_LOG: kernelLog });
    const logger = memoryLogger();
    collector = createGpuCollector(config, { log: logger.log, latest: new LatestValues() });
    return { collector, logger, rec: recordingSink() };
  }
  const xidBatches = (batches: Sample[][]) => batches.filter((b) => b.some((s) => s.metric === 'gpu_xid_last'));

  it('exports the last XID per GPU matched by the inventory\'s bus ids, and says in the inventory where XIDs come from', async () => {
    const { collector, rec } = make(FIXTURE);
    await collector.start(rec.sink);
    await waitFor(() => xidBatches(rec.batches).length > 0 && rec.inventories.some((i) => i.gpuXid !== undefined && Array.isArray(i.gpus)), 10_000, 'XID samples and the inventory');
    const batch = xidBatches(rec.batches).at(-1)!;
    expect(byGpu(batch, 'gpu_xid_last')).toEqual({ 0: 31, 1: 0, 2: 79, 3: 43, 4: 0, 5: 0, 6: 0, 7: 0 });
    expect(batch.find((s) => s.metric === 'gpu_xid_last' && s.labels!.gpu === '2')!.labels!.uuid).toBe('GPU-00000000-0000-0000-0000-000000000002');
    expect(rec.inventories.at(-1)!.gpuXid).toEqual({ source: 'kernel-log', path: FIXTURE, available: true });
    expect(rec.errors).toEqual([]);
  });

  it('leaves XIDs out (never 0) and says why when the kernel log cannot be read', async () => {
    const { collector, logger, rec } = make('/nonexistent/kmsg');
    await collector.start(rec.sink);
    await waitFor(() => rec.inventories.some((i) => i.gpuXid !== undefined) && rec.batches.some((b) => b.some((s) => s.metric === 'gpu_power_watts')), 10_000, 'the inventory and GPU samples');
    expect(rec.inventories.at(-1)!.gpuXid).toEqual({ source: 'kernel-log', path: '/nonexistent/kmsg', available: false, reason: expect.stringMatching(/ENOENT/) });
    expect(rec.batches.flat().some((s) => s.metric.startsWith('gpu_xid'))).toBe(false);
    expect(logger.lines().some((l) => l.msg === 'kernel log unreadable; no XIDs without DCGM')).toBe(true);
  });

  it('reads no kernel log when kernelLog is empty', async () => {
    const { collector, rec } = make('');
    await collector.start(rec.sink);
    await waitFor(() => rec.inventories.some((i) => Array.isArray(i.gpus)), 10_000, 'the inventory');
    expect(rec.inventories.every((i) => i.gpuXid === undefined)).toBe(true);
    expect(rec.batches.flat().some((s) => s.metric.startsWith('gpu_xid'))).toBe(false);
  });
});
