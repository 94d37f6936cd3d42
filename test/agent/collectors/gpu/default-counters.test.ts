import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rowToSamples } from '../../../../agent/collectors/gpu/fields.js';
import { withMigUtilization } from '../../../../agent/collectors/gpu/mig.js';
import { parseQueryCsv } from '../../../../agent/collectors/gpu/parse-csv.js';
import { parseNvidiaSmiQText } from '../../../../agent/collectors/gpu/parse-q-text.js';
import { parseNvidiaSmiXml } from '../../../../agent/collectors/gpu/parse-xml.js';
import { pcieReplaySamples } from '../../../../agent/collectors/gpu/replay-samples.js';

const FIXTURES = resolve(import.meta.dirname, '../../../../../shared/fixtures');
const MiB = 1024 * 1024;
const csv = (f: string) => parseQueryCsv(readFileSync(resolve(FIXTURES, 'nvidia-smi-csv', f), 'utf8'));
const qText = (f: string) => parseNvidiaSmiQText(readFileSync(resolve(FIXTURES, 'nvidia-smi-q-text', f), 'utf8'));
const byMetric = (row: Record<string, string>) => Object.fromEntries(rowToSamples(row, 0).map((s) => [s.metric, s.value]));

/** The dcgm-exporter default counters nvidia-smi's query stream gives, with the field each comes from. */
const NEW_FIELDS = {
  gpu_encoder_utilization_percent: 'utilization.encoder',
  gpu_decoder_utilization_percent: 'utilization.decoder',
  gpu_memory_reserved_bytes: 'memory.reserved',
  gpu_remapped_rows_correctable_total: 'remapped_rows.correctable',
  gpu_remapped_rows_uncorrectable_total: 'remapped_rows.uncorrectable',
  gpu_row_remap_failure: 'remapped_rows.failure',
  gpu_sm_clock_max_mhz: 'clocks.max.sm',
  gpu_memory_clock_max_mhz: 'clocks.max.memory',
} as const;

describe('dcgm-exporter default counters from nvidia-smi --query-gpu', () => {
  it.each([
    // Values read from the fixture files' first row.
    ['l40s-595.80-load-query-gpu-all.csv', { enc: 60, dec: 0, reservedMiB: 609, remap: [0, 0, 0], maxSm: 2520, maxMem: 9001 }],
    ['h200-590.48.01-idle-query-gpu-all.csv', { enc: 0, dec: 0, reservedMiB: 614, remap: [0, 0, 0], maxSm: 1980, maxMem: 3201 }],
    ['rtx2080super-591.86-windows-load-query-gpu-all.csv', { enc: 100, dec: 0, reservedMiB: 205, remap: null, maxSm: 2145, maxMem: 7751 }],
    // MIG: encoder, decoder and row remapping read [N/A] for the whole GPU.
    ['h100-mig-590.48.01-load-query-gpu-all.csv', { enc: null, dec: null, reservedMiB: 479, remap: null, maxSm: 1980, maxMem: 2619 }],
  ])('%s', (file, e) => {
    const m = byMetric(csv(file)[0]!);
    expect(m.gpu_encoder_utilization_percent).toBe(e.enc ?? undefined);
    expect(m.gpu_decoder_utilization_percent).toBe(e.dec ?? undefined);
    expect(m.gpu_memory_reserved_bytes).toBe(e.reservedMiB * MiB);
    const remap = [m.gpu_remapped_rows_correctable_total, m.gpu_remapped_rows_uncorrectable_total, m.gpu_row_remap_failure];
    expect(remap).toEqual(e.remap ?? [undefined, undefined, undefined]);
    expect(m.gpu_sm_clock_max_mhz).toBe(e.maxSm);
    expect(m.gpu_memory_clock_max_mhz).toBe(e.maxMem);
  });

  const files = readdirSync(resolve(FIXTURES, 'nvidia-smi-csv')).filter((f) => f.endsWith('.csv'));
  it.each(files)('every row of %s: a sample exactly where the cell has a reading, never 0 for [N/A]', (file) => {
    const rows = csv(file);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const m = byMetric(row);
      for (const [metric, field] of Object.entries(NEW_FIELDS)) {
        const raw = row[field];
        const reading = raw !== undefined && !/^\[.*\]$|^N\/A$/i.test(raw.trim());
        expect(metric in m, `${metric} from "${raw}"`).toBe(reading);
        if (reading) expect(Number.isFinite(m[metric])).toBe(true);
      }
    }
  });

  it('reads remapped_rows.failure Yes as 1', () => {
    const row = { ...csv('l40s-595.80-load-query-gpu-all.csv')[0]!, 'remapped_rows.failure': 'Yes' };
    expect(byMetric(row).gpu_row_remap_failure).toBe(1);
  });
});

describe('PCIe replays and MIG utilisation from the inventory read', () => {
  it('reads Replays Since Reset from -q text, per GPU', () => {
    expect(pcieReplaySamples(qText('h100-mig-590.48.01-load-q.txt').gpus, 5)).toEqual([
      { metric: 'gpu_pcie_replay_total', labels: { gpu: '0', uuid: 'GPU-00000000-0000-0000-0000-000000000000' }, value: 9, ts: 5 },
    ]);
    const eight = pcieReplaySamples(qText('gpud-8x-h100-sxm-535.161.08-q.txt').gpus, 5);
    expect(eight.map((s) => s.labels?.gpu)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    expect(eight[0]!.value).toBe(67);
  });

  it('reads <replay_counter> from -q -x', () => {
    const xml = parseNvidiaSmiXml(readFileSync(resolve(FIXTURES, 'nvidia-smi-xml', 'telegraf-a100-sxm4-v12.xml'), 'utf8'));
    expect(pcieReplaySamples(xml.gpus, 5).map((s) => s.value)).toEqual([0]);
  });

  it('leaves the replay counter out where the driver prints N/A', () => {
    const report = qText('l40s-595.80-load-q.txt');
    const gpus = report.gpus.map((g) => ({ ...g, readings: { ...g.readings, pcieReplays: null } }));
    expect(pcieReplaySamples(gpus, 5)).toEqual([]);
  });

  it('says utilization: not_supported_in_mig for MIG GPUs without a utilisation reading, and nothing for others', () => {
    const [mig] = withMigUtilization(qText('h100-mig-590.48.01-load-q.txt').gpus);
    expect(mig!.inventory.utilization).toBe('not_supported_in_mig');
    expect(mig!.readings.utilizationPercent).toBeNull();
    const [plain] = withMigUtilization(qText('h100-80gb-hbm3-590.48.01-load-q.txt').gpus);
    expect(plain!.inventory).not.toHaveProperty('utilization');
  });
});
