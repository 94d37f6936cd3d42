import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DMON_FIELDS, PROFILING_DMON_FIELDS } from '../../../agent/collectors/dcgm/fields.js';
import { parseDiscovery } from '../../../agent/collectors/dcgm/parse-discovery.js';
import { DmonParser, type DmonRow } from '../../../agent/collectors/dcgm/parse-dmon.js';
import { parseHierarchy } from '../../../agent/collectors/dcgm/parse-hierarchy.js';
import { parseInstanceProfiles } from '../../../agent/collectors/dcgm/parse-instance-profiles.js';
import { rowsToSamples } from '../../../agent/collectors/dcgm/samples.js';
import { LatestValues } from '../../../agent/latest-values.js';
import { renderMetrics } from '../../../agent/metrics/render.js';
import { PROMTOOL_BIN, requireTool } from '../../helpers/prometheus.js';
import { SELF, UUID0 } from './node-samples.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/dcgmi');
const GOLDEN = resolve(import.meta.dirname, 'golden/dcgm-h100-mig-profiling.prom');
const NOW = Date.parse('2026-12-07T10:00:00Z');
const read = (f: string) => readFileSync(resolve(FIXTURES, f), 'utf8');

/**
 * The DCGM path on the MIG H100 with `collectors.dcgm.profiling`: one dmon
 * iteration of test/fixtures/dcgmi (constructed from DCGM's source, not
 * captured) through the collector's parsers, as the agent's /metrics shows it.
 * `discovery -l` gives the name and bus id (no driver version on this path).
 */
async function exposition(): Promise<string> {
  const parser = new DmonParser();
  const rows = read('h100-mig-dmon-profiling.txt')
    .split('\n')
    .flatMap((l): DmonRow[] => {
      const r = parser.line(l);
      return r.kind === 'row' ? [r.row] : [];
    });
  const profiles = parseInstanceProfiles(read('h100-mig-dmon-names.txt'));
  const instances = new Map(parseHierarchy(read('h100-mig-discovery-c.txt')).map((i) => [i.entityId, { ...i, profile: profiles.get(i.entityId) }]));
  const samples = rowsToSamples(rows, [...DEFAULT_DMON_FIELDS, ...PROFILING_DMON_FIELDS], new Map([[0, UUID0]]), NOW - 1000, instances);
  const latest = new LatestValues();
  latest.update(samples, NOW);
  const gpus = parseDiscovery(`| GPU ID | Device Information |\n| 0      | Name: NVIDIA H100 80GB HBM3 |\n|        | PCI Bus ID: 00000000:00:09.0 |\n|        | Device UUID: ${UUID0} |\n`);
  const { text } = await renderMetrics({ samples: latest.all(), inventory: { dcgm: { gpus } }, node: 'h100-mig', cluster: 'lab', self: SELF, now: NOW });
  return text;
}

describe('golden node /metrics: DCGM profiling per MIG GPU instance', () => {
  it('matches its golden file (UPDATE_GOLDEN=1 rewrites it) and passes promtool but for dcgm-exporter naming', async () => {
    const text = await exposition();
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, text);
    expect(existsSync(GOLDEN), GOLDEN).toBe(true);
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
    // dcgm-exporter's names and MIG labels: GPU_I_ID is the NVML GPU instance id (2), not DCGM's entity id (3).
    const gpu = `gpu="0",UUID="${UUID0}",pci_bus_id="00000000:00:09.0",device="nvidia0",modelName="NVIDIA H100 80GB HBM3",Hostname="h100-mig",hostname="h100-mig",DCGM_FI_DRIVER_VERSION=""`;
    expect(text).toContain(`DCGM_FI_PROF_GR_ENGINE_ACTIVE{${gpu}} 0.423\n`);
    expect(text).toContain(`DCGM_FI_PROF_GR_ENGINE_ACTIVE{${gpu},GPU_I_PROFILE="3g.40gb",GPU_I_ID="2"} 0.987\n`);
    expect(text).toContain(`DCGM_FI_PROF_DRAM_ACTIVE{${gpu},GPU_I_PROFILE="3g.40gb",GPU_I_ID="2"} 0.968\n`);
    // N/A is no series: instance 10 has none at all, instance 9 no tensor activity.
    expect(text).not.toContain('GPU_I_ID="10"');
    expect(text.split('\n').filter((l) => l.startsWith('DCGM_FI_PROF_PIPE_TENSOR_ACTIVE{')).map((l) => /GPU_I_ID="(\d+)"/.exec(l)?.[1])).toEqual([undefined, '2', '3']);
    // GPU-level families stay one series per GPU.
    expect(text.split('\n').filter((l) => l.startsWith('DCGM_FI_DEV_POWER_USAGE{'))).toHaveLength(1);
    expect(text.split('\n').filter((l) => l.startsWith('DCGM_FI_PROF_PCIE_TX_BYTES{'))).toHaveLength(1);
    const check = spawnSync(requireTool(PROMTOOL_BIN), ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.error).toBeUndefined();
    for (const f of (check.stdout + check.stderr).split('\n').filter(Boolean)) {
      expect(f).toMatch(/^DCGM_FI_\w+ (label names should be written in 'snake_case' not 'camelCase'|counter metrics should have "_total" suffix)$/);
    }
  });
});
