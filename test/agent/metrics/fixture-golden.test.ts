import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rowToSamples } from '../../../agent/collectors/gpu/fields.js';
import { parseQueryCsv } from '../../../agent/collectors/gpu/parse-csv.js';
import { LatestValues } from '../../../agent/latest-values.js';
import { renderMetrics } from '../../../agent/metrics/render.js';
import { PROMTOOL_BIN, requireTool } from '../../helpers/prometheus.js';
import { SELF } from './node-samples.js';

const CSV = resolve(import.meta.dirname, '../../../../shared/fixtures/nvidia-smi-csv');
const GOLDEN = resolve(import.meta.dirname, 'golden');
const NOW = Date.parse('2026-11-23T10:00:00Z');
const FILES = readdirSync(CSV).filter((f) => f.endsWith('.csv'));

/**
 * The node /metrics of a host whose nvidia-smi printed one fixture: its rows
 * through the collector's row mapping, its identity columns (`name`,
 * `pci.bus_id`, `driver_version`, where the file has them) as the inventory.
 */
async function exposition(file: string): Promise<string> {
  const rows = parseQueryCsv(readFileSync(resolve(CSV, file), 'utf8'));
  const latest = new LatestValues();
  latest.update(rows.flatMap((r) => rowToSamples(r, NOW - 1000)), NOW);
  const gpus = rows.map((r) => ({ uuid: r.uuid, name: r.name, pciBusId: r['pci.bus_id'], driverVersion: r.driver_version }));
  const { text } = await renderMetrics({ samples: latest.all(), inventory: { gpus }, node: 'fixture-host', cluster: 'lab', self: SELF, now: NOW });
  return text;
}

describe('golden node /metrics per nvidia-smi fixture', () => {
  it.each(FILES)('%s matches its golden file (UPDATE_GOLDEN=1 rewrites it) and passes promtool but for dcgm-exporter naming', async (file) => {
    const text = await exposition(file);
    const golden = resolve(GOLDEN, file.replace(/\.csv$/, '.prom'));
    if (process.env.UPDATE_GOLDEN === '1') {
      mkdirSync(GOLDEN, { recursive: true });
      writeFileSync(golden, text);
    }
    expect(existsSync(golden), golden).toBe(true);
    expect(text).toBe(readFileSync(golden, 'utf8'));
    expect(text).toContain('DCGM_FI_DEV_FB_USED{');
    const check = spawnSync(requireTool(PROMTOOL_BIN), ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.error).toBeUndefined();
    for (const f of (check.stdout + check.stderr).split('\n').filter(Boolean)) {
      expect(f).toMatch(/^DCGM_FI_\w+ (label names should be written in 'snake_case' not 'camelCase'|counter metrics should have "_total" suffix)$/);
    }
  });
});
