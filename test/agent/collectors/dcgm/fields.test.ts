import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DCGM_FIELDS, DEFAULT_DMON_FIELDS, fieldByName, PROFILING_DMON_FIELDS } from '../../../../agent/collectors/dcgm/fields.js';
import { mapCounters, parseCountersCsv } from '../../../../agent/collectors/dcgm/parse-counters-csv.js';
import { GPU_METRICS } from '../../../../shared/metrics/gpu.js';

const DCGMI = resolve(import.meta.dirname, '../../../../../shared/fixtures/dcgmi');
const read = (f: string) => readFileSync(resolve(DCGMI, f), 'utf8');

// Read from each file: counter lines switched on, switched off (`# DCGM_...`), and
// which of the switched-on ones kcloud publishes (file order).
const MAPPED = [
  ['DCGM_FI_DEV_SM_CLOCK', 'gpu_sm_clock_mhz'],
  ['DCGM_FI_DEV_MEM_CLOCK', 'gpu_memory_clock_mhz'],
  ['DCGM_FI_DEV_MEMORY_TEMP', 'gpu_memory_temperature_celsius'],
  ['DCGM_FI_DEV_GPU_TEMP', 'gpu_temperature_celsius'],
  ['DCGM_FI_DEV_POWER_USAGE', 'gpu_power_watts'],
  ['DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', 'gpu_energy_joules'],
  ['DCGM_FI_DEV_PCIE_REPLAY_COUNTER', 'gpu_pcie_replay_total'],
  ['DCGM_FI_DEV_GPU_UTIL', 'gpu_utilization_percent'],
  ['DCGM_FI_DEV_MEM_COPY_UTIL', 'gpu_memory_utilization_percent'],
  ['DCGM_FI_DEV_ENC_UTIL', 'gpu_encoder_utilization_percent'],
  ['DCGM_FI_DEV_DEC_UTIL', 'gpu_decoder_utilization_percent'],
  ['DCGM_FI_DEV_XID_ERRORS', 'gpu_xid_last'],
  ['DCGM_FI_DEV_FB_FREE', 'gpu_memory_free_bytes'],
  ['DCGM_FI_DEV_FB_USED', 'gpu_memory_used_bytes'],
  ['DCGM_FI_PROF_GR_ENGINE_ACTIVE', 'gpu_graphics_engine_active_ratio'],
  ['DCGM_FI_PROF_PIPE_TENSOR_ACTIVE', 'gpu_tensor_active_ratio'],
  ['DCGM_FI_PROF_DRAM_ACTIVE', 'gpu_dram_active_ratio'],
  ['DCGM_FI_PROF_PCIE_TX_BYTES', 'gpu_pcie_tx_bytes_per_second'],
  ['DCGM_FI_PROF_PCIE_RX_BYTES', 'gpu_pcie_rx_bytes_per_second'],
];
const CASES: [string, number, number][] = [
  ['dcgm-exporter-default-counters.csv', 26, 37],
  // Same list without the four commented-out DCGM_EXP_* exporter fields.
  ['dcgm-exporter-dcp-metrics-included.csv', 26, 33],
];

describe('dcgm-exporter counter CSVs', () => {
  it.each(CASES)('%s', (file, on, off) => {
    const entries = parseCountersCsv(read(file));
    expect(entries.filter((e) => e.enabled)).toHaveLength(on);
    expect(entries.filter((e) => !e.enabled)).toHaveLength(off);
    const { mapped, unmapped } = mapCounters(entries);
    expect(mapped.map((m) => [m.entry.name, m.field.metric])).toEqual(MAPPED);
    expect(unmapped).toHaveLength(on - MAPPED.length);
    // Switched on in dcgm-exporter, not read by kcloud's dmon (short names not verified against DCGM's source; see fields.ts).
    expect(unmapped.map((e) => e.name)).toContain('DCGM_FI_DEV_FB_RESERVED');
  });

  it('trims the irregular spaces, even before a comma, and keeps type and help', () => {
    const entries = parseCountersCsv(read('dcgm-exporter-default-counters.csv'));
    expect(entries.find((e) => e.name === 'DCGM_FI_DEV_DEC_UTIL')).toEqual({ name: 'DCGM_FI_DEV_DEC_UTIL', type: 'gauge', help: 'Decoder utilization (in %).', enabled: true });
    expect(entries.find((e) => e.name === 'DCGM_FI_DEV_ECC_SBE_VOL_TOTAL')).toEqual({
      name: 'DCGM_FI_DEV_ECC_SBE_VOL_TOTAL', type: 'counter', help: 'Total number of single-bit volatile ECC errors.', enabled: false,
    });
    expect(entries.find((e) => e.name === 'DCGM_FI_DRIVER_VERSION')).toMatchObject({ type: 'label', enabled: true });
  });
});

describe('DCGM field names', () => {
  // Current (DCGM 4.6) and legacy macro -> id, read from dcgmlib/dcgm_fields.h.
  const NAMES: [string, number][] = [
    ['DCGM_FI_DEV_BOARD_POWER_WATTS', 155], ['DCGM_FI_DEV_POWER_USAGE', 155],
    ['DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION', 156],
    ['DCGM_FI_DEV_BOARD_POWER_RAW_WATTS', 157], ['DCGM_FI_DEV_POWER_USAGE_INSTANT', 157],
    ['DCGM_FI_DEV_BOARD_POWER_LIMIT_ENFORCED_WATTS', 164], ['DCGM_FI_DEV_ENFORCED_POWER_LIMIT', 164],
    ['DCGM_FI_DEV_GPU_TEMP_CELSIUS', 150], ['DCGM_FI_DEV_GPU_TEMP', 150],
    ['DCGM_FI_DEV_MEMORY_TEMP_CELSIUS', 140], ['DCGM_FI_DEV_MEMORY_TEMP', 140],
    ['DCGM_FI_DEV_GPU_UTIL_RATIO', 203], ['DCGM_FI_DEV_GPU_UTIL', 203],
    ['DCGM_FI_DEV_CLOCKS_EVENT_REASONS', 112], ['DCGM_FI_DEV_CLOCK_THROTTLE_REASONS', 112],
    ['DCGM_FI_DEV_FB_USED', 252], ['DCGM_FI_DEV_FB_FREE', 251], ['DCGM_FI_DEV_FB_TOTAL', 250],
    ['DCGM_FI_DEV_SM_CLOCK', 100], ['DCGM_FI_DEV_MEM_CLOCK', 101],
  ];
  it.each(NAMES)('%s is field %i', (name, id) => {
    expect(fieldByName(name)?.id).toBe(id);
  });

  it('maps to catalogue metrics with the catalogue’s dcgm-exporter names', () => {
    const catalogue = new Map<string, string | undefined>(GPU_METRICS.map((m) => [m.name, 'dcgm' in m ? m.dcgm.name : undefined]));
    for (const f of DCGM_FIELDS) {
      expect(catalogue.has(f.metric)).toBe(true);
      // The catalogue names the requested limit (160) for gpu_power_limit_watts; DCGM here reads the enforced one (164), as nvidia-smi does.
      if (f.metric !== 'gpu_power_limit_watts') expect(f.names).toContain(catalogue.get(f.metric));
    }
  });

  it('watches every mapped non-profiling field by default', () => {
    expect(DEFAULT_DMON_FIELDS).toEqual([155, 156, 157, 164, 150, 140, 203, 204, 252, 251, 250, 100, 101, 112, 191, 310, 311, 206, 207, 113, 114, 202, 230]);
    expect(PROFILING_DMON_FIELDS).toEqual([1001, 1002, 1003, 1004, 1005, 1009, 1010]);
  });
});
