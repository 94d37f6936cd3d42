import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NvlinkRates } from '../../../../agent/collectors/gpu/nvlink-samples.js';
import { parseNvlinkThroughput } from '../../../../agent/collectors/gpu/parse-nvlink.js';

const fixture = (name: string) => readFileSync(resolve(import.meta.dirname, '../../../fixtures/nvlink', name), 'utf8');
const SHARED_CAPTURES = resolve(import.meta.dirname, '../../../../../shared/fixtures/nvidia-smi-captures');
const KIB = 1024;
/** Sum of the KiB numbers of `Data <dir>` lines, computed apart from the parser. */
const sum = (text: string, dir: 'Tx' | 'Rx') => text.split('\n').filter((l) => l.includes(`Data ${dir}:`)).reduce((a, l) => a + Number(l.split(':').at(-1)!.replace('KiB', '').trim()), 0);

describe('parseNvlinkThroughput', () => {
  it('sums the payload counters of every link of a real H800 read', () => {
    const text = fixture('h800-gt-d-training.txt');
    expect(parseNvlinkThroughput(text)).toEqual([
      { index: 0, uuid: 'GPU-34bf77d1-c686-6821-79a8-32d326c5039c', txBytes: sum(text, 'Tx') * KIB, rxBytes: sum(text, 'Rx') * KIB, links: 8 },
    ]);
  });

  it('reads the idle H800 read to the KiB (sums worked out by hand)', () => {
    expect(parseNvlinkThroughput(fixture('h800-gt-d-idle.txt'))).toMatchObject([{ txBytes: 46904218 * KIB, rxBytes: 46904215 * KIB, links: 8 }]);
  });

  it('keeps GPUs apart (two A100 PCIe GPUs with 12 bridged links each)', () => {
    const gpus = parseNvlinkThroughput(fixture('a100-pcie-40gb-gt-d-first.txt'));
    expect(gpus.map((g) => [g.index, g.uuid, g.links])).toEqual([
      [0, 'GPU-f41a1a93-42ec-1dc1-e936-03c617b58fd4', 12],
      [1, 'GPU-83994dd1-c701-4866-c130-02d446989f65', 12],
    ]);
    const [, second] = fixture('a100-pcie-40gb-gt-d-first.txt').split(/(?=^GPU 1:)/m);
    expect(gpus[1]!.txBytes).toBe(sum(second!, 'Tx') * KIB);
  });

  it('gives no entry for the GPUs of the captures that have no NVLink counters (PCIe, MIG mode, inactive links)', () => {
    for (const capture of ['linux-x86_64__nvidia-l40s__595.80', 'linux-x86_64__nvidia-h100-mig__590.48.01', 'linux-x86_64__nvidia-geforce-rtx-2080-super__595.71.05', 'linux-x86_64__nvidia-geforce-rtx-4080-super__595.71.05']) {
      const text = readFileSync(resolve(SHARED_CAPTURES, `${capture}.txt`), 'utf8');
      // The per-GPU block that `nvidia-smi nvlink` prints on that machine (from `nvlink -s`): a GPU line and a sentence.
      const block = text.slice(text.indexOf('# $ nvidia-smi nvlink -s')).split('\n').slice(2, 4).join('\n');
      expect(block, capture).toMatch(/^GPU 0: .*\(UUID: GPU-[^)]+\)\n(Device does not|NVML: Unable|Nvlink queries are not)/);
      expect(parseNvlinkThroughput(block), capture).toEqual([]);
    }
    expect(parseNvlinkThroughput('')).toEqual([]);
  });

  it('ignores link speed lines (`nvlink -s`) and counters outside a GPU block', () => {
    expect(parseNvlinkThroughput('\t Link 0: Data Tx: 5 KiB\nGPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-0)\n\t Link 0: 26.562 GB/s\n')).toEqual([]);
  });
});

describe('NvlinkRates', () => {
  it('exports the counter at once and the rate between two real reads', () => {
    const rates = new NvlinkRates();
    const [first] = parseNvlinkThroughput(fixture('a100-pcie-40gb-gt-d-first.txt'));
    const [second] = parseNvlinkThroughput(fixture('a100-pcie-40gb-gt-d-second.txt'));
    const t0 = 1_000_000;
    const a = rates.samples([first!], t0);
    expect(a).toEqual([{ metric: 'gpu_nvlink_bytes_total', labels: { gpu: '0', uuid: first!.uuid }, value: first!.txBytes + first!.rxBytes, ts: t0 }]);
    const b = rates.samples([second!], t0 + 10_000);
    const grown = second!.txBytes + second!.rxBytes - (first!.txBytes + first!.rxBytes);
    expect(grown).toBeGreaterThan(0);
    expect(b.find((s) => s.metric === 'gpu_nvlink_bytes_per_second')).toEqual({ metric: 'gpu_nvlink_bytes_per_second', labels: { gpu: '0', uuid: first!.uuid }, value: grown / 10, ts: t0 + 10_000 });
  });

  it('gives no rate across a counter reset or without time passing', () => {
    const rates = new NvlinkRates();
    const [training] = parseNvlinkThroughput(fixture('h800-gt-d-training.txt'));
    const [idle] = parseNvlinkThroughput(fixture('h800-gt-d-idle.txt'));
    rates.samples([training!], 1000);
    // The idle read holds smaller numbers: as after `nvidia-smi nvlink -r`.
    expect(rates.samples([idle!], 2000).map((s) => s.metric)).toEqual(['gpu_nvlink_bytes_total']);
    expect(rates.samples([idle!], 2000).map((s) => s.metric)).toEqual(['gpu_nvlink_bytes_total']);
    expect(rates.samples([training!], 3000).find((s) => s.metric === 'gpu_nvlink_bytes_per_second')!.value).toBeGreaterThan(0);
  });
});
