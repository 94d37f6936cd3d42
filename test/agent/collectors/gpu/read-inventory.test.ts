import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseQueryCsv } from '../../../../agent/collectors/gpu/parse-csv.js';
import { readInventory } from '../../../../agent/collectors/gpu/read-inventory.js';
import { parseNumber } from '../../../../shared/units.js';

const FAKE = resolve(import.meta.dirname, '../../../fakes/nvidia-smi');
const CSV = resolve(import.meta.dirname, '../../../../../shared/fixtures/nvidia-smi-csv');

/** `Enabled`/`Disabled` as nvidia-smi prints modes; `[N/A]` is null. */
const mode = (v: string | undefined) => (v === 'Enabled' ? true : v === 'Disabled' ? false : null);

// Every machine the fake replays from a full capture (its -q text and its --query-gpu CSV).
const SCENARIOS = [
  'h100-80gb-hbm3-590.48.01-idle',
  'h100-mig-590.48.01-load',
  'h200-590.48.01-load',
  'h200-mig-590.48.01-idle',
  'l40s-595.80-load',
  'rtx2080super-595.71.05-linux-idle',
  'rtx2080super-610.57.04-linux-load',
  'rtx2080super-591.86-windows-idle',
  'rtx2080super-610.62-windows-load',
  'rtx4080super-595.71.05-linux-idle',
];

describe('readInventory against the fake nvidia-smi', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it.each(SCENARIOS)('%s: -q facts agree with the same capture\'s --query-gpu row, compute capability included', async (scenario) => {
    process.env.FAKE_NVIDIA_SMI_SCENARIO = scenario;
    const read = await readInventory(FAKE);
    expect(read.format).toBe('text');
    const row = parseQueryCsv(readFileSync(`${CSV}/${scenario}-query-gpu-all.csv`, 'utf8'))[0]!;
    const [gpu] = read.gpus.map((g) => g.inventory);
    expect(gpu!.uuid).toBe(row.uuid);
    expect(gpu!.computeCapability).toBe(row.compute_cap);
    expect(gpu!.pcieGeneration).toEqual({ max: parseNumber(row['pcie.link.gen.max']), current: parseNumber(row['pcie.link.gen.current']) });
    expect(gpu!.pcieLinkWidth).toEqual({ max: parseNumber(row['pcie.link.width.max']), current: parseNumber(row['pcie.link.width.current']) });
    expect(gpu!.eccEnabled).toBe(mode(row['ecc.mode.current']));
    expect(gpu!.persistenceModeEnabled).toBe(mode(row.persistence_mode));
  });

  it('gives each replicated GPU its own compute capability row (8 GPUs)', async () => {
    process.env.FAKE_NVIDIA_SMI_GPUS = '8';
    const read = await readInventory(FAKE);
    const cap = parseQueryCsv(readFileSync(`${CSV}/h100-80gb-hbm3-590.48.01-load-query-gpu-all.csv`, 'utf8'))[0]!.compute_cap;
    expect(read.gpus.map((g) => g.inventory.computeCapability)).toEqual(Array(8).fill(cap));
  });

  it('leaves the compute capability null when no --query-gpu row names the GPU (XML from another machine)', async () => {
    // `-q -x` prints telegraf's A100; --query-gpu answers for the H100 capture, whose UUID differs.
    Object.assign(process.env, { FAKE_NVIDIA_SMI_SCENARIO: 'h100-mig-590.48.01-load', FAKE_NVIDIA_SMI_XML: 'telegraf-a100-sxm4-v12.xml' });
    const read = await readInventory(FAKE);
    expect(read.format).toBe('xml');
    expect(read.gpus[0]!.inventory).toMatchObject({ uuid: 'GPU-513536b6-7d19-9063-b049-1e69664bb298', architecture: 'Ampere', computeCapability: null });
  });
});
