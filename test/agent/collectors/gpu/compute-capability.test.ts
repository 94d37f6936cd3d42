import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseComputeCaps, withComputeCapability } from '../../../../agent/collectors/gpu/compute-capability.js';
import { parseNvidiaSmiQText } from '../../../../agent/collectors/gpu/parse-q-text.js';

const Q = resolve(import.meta.dirname, '../../../../../shared/fixtures/nvidia-smi-q-text');

describe('compute capability from --query-gpu=uuid,compute_cap', () => {
  it('maps UUIDs to `major.minor`, skipping N/A cells and lines that are not rows', () => {
    // Rows as the 590/595 drivers print them (`9.0` H100, `8.9` L40S); the notice line is not a row.
    const caps = parseComputeCaps('GPU-aaaa, 9.0\nGPU-bbbb, 8.9\nGPU-cccc, [N/A]\nWARNING: infoROM is corrupted at gpu 0000:01:00.0\n');
    expect([...caps]).toEqual([
      ['GPU-aaaa', '9.0'],
      ['GPU-bbbb', '8.9'],
    ]);
  });

  it('joins by UUID and leaves GPUs without a row null', () => {
    // Two GPUs of a real 8x H100 host (gpud's 535 capture).
    const gpus = parseNvidiaSmiQText(readFileSync(`${Q}/gpud-8x-h100-sxm-535.161.08-q.txt`, 'utf8')).gpus.slice(0, 2);
    const [first, second] = gpus.map((g) => g.inventory.uuid);
    const joined = withComputeCapability(gpus, new Map([[second!, '9.0']]));
    expect(joined.map((g) => [g.inventory.uuid, g.inventory.computeCapability])).toEqual([
      [first, null],
      [second, '9.0'],
    ]);
    // The rest of the inventory is untouched.
    expect({ ...joined[1]!.inventory, computeCapability: null }).toEqual(gpus[1]!.inventory);
  });
});
