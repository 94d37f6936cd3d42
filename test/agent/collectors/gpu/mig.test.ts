import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migSamples, withMigProfiles } from '../../../../agent/collectors/gpu/mig.js';
import { parseGpuList } from '../../../../agent/collectors/gpu/parse-list.js';
import { parseNvidiaSmiQText } from '../../../../agent/collectors/gpu/parse-q-text.js';
import { captureSection } from './captures.js';

const Q = resolve(import.meta.dirname, '../../../../../shared/fixtures/nvidia-smi-q-text');
const MiB = 1024 * 1024;
const UUID = 'GPU-00000000-0000-0000-0000-000000000000';

describe('MIG profiles and samples', () => {
  it('joins -L profiles to the -q MIG devices and reports each instance memory (H100 MIG load)', () => {
    const { gpus } = parseNvidiaSmiQText(readFileSync(`${Q}/h100-mig-590.48.01-load-q.txt`, 'utf8'));
    const listed = parseGpuList(captureSection('linux-x86_64__nvidia-h100-mig__590.48.01.txt', 'capabilities :: list (-L)'));
    const joined = withMigProfiles(gpus, listed);
    expect(joined[0]!.inventory.migDevices.map((d) => [d.gpuInstanceId, d.profile])).toEqual([
      [2, '3g.40gb'],
      [3, '2g.20gb'],
      [9, '1g.10gb'],
      [10, '1g.10gb'],
    ]);
    expect(joined[0]!.inventory.migDevices[0]!.uuid).toBe('MIG-00000000-0000-0000-0000-000000000000');
    const samples = migSamples(joined, 1_763_900_000_000);
    // MIG Device 0 (GI 2): `Shared FB Memory Usage` Total 40448 MiB, Used 11091 MiB.
    expect(samples.filter((s) => s.labels!.gpu_i === '2')).toEqual([
      { metric: 'gpu_mig_memory_used_bytes', labels: { gpu: '0', uuid: UUID, gpu_i: '2', profile: '3g.40gb' }, value: 11091 * MiB, ts: 1_763_900_000_000 },
      { metric: 'gpu_mig_memory_total_bytes', labels: { gpu: '0', uuid: UUID, gpu_i: '2', profile: '3g.40gb' }, value: 40448 * MiB, ts: 1_763_900_000_000 },
    ]);
    expect(samples).toHaveLength(8);
  });

  it('leaves the profile label out when -L is not available', () => {
    const { gpus } = parseNvidiaSmiQText(readFileSync(`${Q}/h100-mig-590.48.01-idle-q.txt`, 'utf8'));
    const [first] = migSamples(withMigProfiles(gpus, []), 1);
    expect(first!.labels).toEqual({ gpu: '0', uuid: UUID, gpu_i: '2' });
  });

  it('gives no samples for a GPU without MIG', () => {
    const { gpus } = parseNvidiaSmiQText(readFileSync(`${Q}/h100-80gb-hbm3-590.48.01-load-q.txt`, 'utf8'));
    expect(migSamples(gpus, 1)).toEqual([]);
  });
});
