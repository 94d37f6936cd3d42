import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DmonReader, parseDmon } from '../../../../agent/collectors/gpu/parse-dmon.js';
import { hasPcieColumns, pcieSamples } from '../../../../agent/collectors/gpu/pcie-fields.js';

const DMON = resolve(import.meta.dirname, '../../../../../shared/fixtures/nvidia-smi-dmon');
const files = readdirSync(DMON).filter((f) => f.endsWith('.txt'));

/** The whitespace-separated cells of a capture line, `#` dropped from header lines. */
const cellsOf = (line: string) => line.replace(/^#/, '').trim().split(/\s+/);

describe('parseDmon over every real dmon/pmon capture', () => {
  it('has the 40 captures (10 machines, idle and load, dmon and pmon)', () => {
    expect(files).toHaveLength(40);
  });

  it.each(files)('%s: the header lines are the columns, each row maps its cells to them, `-` is absent', (file) => {
    const text = readFileSync(`${DMON}/${file}`, 'utf8');
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    // Every header pair is the same; the Windows pmon captures repeat it every 44 rows.
    const [names, units] = lines;
    const data = lines.filter((l) => !l.startsWith('#'));
    expect(lines.filter((l) => l.startsWith('#')).every((l, i) => l === (i % 2 === 0 ? names : units))).toBe(true);
    const { columns, rows } = parseDmon(text);
    expect(columns.map((c) => c.name)).toEqual(cellsOf(names!));
    expect(columns.map((c) => c.unit)).toEqual(cellsOf(units!));
    expect(columns[0]).toEqual({ name: 'gpu', unit: 'Idx' });
    expect(rows).toHaveLength(data.length);
    rows.forEach((row, i) => {
      const cells = cellsOf(data[i]!);
      // The last column (pmon's process name) keeps its spaces: `NVIDIA Overlay.` in the Windows captures.
      const last = columns.length - 1;
      const cell = (j: number) => (j === last ? cells.slice(last).join(' ') : cells[j]!);
      const expected = Object.fromEntries(columns.flatMap((c, j) => (cell(j) === '-' ? [] : [[c.name, cell(j)]])));
      expect(row).toEqual(expected);
    });
    // Default dmon has no PCIe columns (they need `-s t`).
    expect(hasPcieColumns(columns)).toBe(false);
  });

  it('reads the quoted values of the H100 load capture', () => {
    // First row of h100-80gb-hbm3-590.48.01-load-dmon-c5.txt: `    0    631     63     57    100     10 ... 2619   1980`
    const { columns, rows } = parseDmon(readFileSync(`${DMON}/h100-80gb-hbm3-590.48.01-load-dmon-c5.txt`, 'utf8'));
    expect(columns.find((c) => c.name === 'pwr')).toEqual({ name: 'pwr', unit: 'W' });
    expect(rows[0]).toMatchObject({ gpu: '0', pwr: '631', gtemp: '63', mtemp: '57', sm: '100', mem: '10', mclk: '2619', pclk: '1980' });
  });

  it.each(files.filter((f) => f.includes('-mig-') && f.includes('-dmon-')))('%s (MIG): sm/mem utilisation is `-`, hence absent; power and clocks are read', (file) => {
    const { rows } = parseDmon(readFileSync(`${DMON}/${file}`, 'utf8'));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.gpu).toBe('0');
      expect(row).not.toHaveProperty('sm');
      expect(row).not.toHaveProperty('mem');
      expect(Number(row.pwr)).toBeGreaterThan(0);
      expect(Number(row.pclk)).toBeGreaterThan(0);
    }
  });

  it('keeps `-` out of an idle pmon row (no process) and reads a process row', () => {
    const idle = parseDmon(readFileSync(`${DMON}/h100-80gb-hbm3-590.48.01-idle-pmon-c5.txt`, 'utf8'));
    for (const row of idle.rows) expect(row).toEqual({ gpu: '0' });
    // l40s-595.80-load-pmon-c5.txt: `    0      20037     C      2      0     24      -      -      -    ffmpeg`
    const load = parseDmon(readFileSync(`${DMON}/l40s-595.80-load-pmon-c5.txt`, 'utf8'));
    expect(load.rows[0]).toEqual({ gpu: '0', pid: '20037', type: 'C', sm: '2', mem: '0', enc: '24', command: 'ffmpeg' });
    // rtx2080super-610.62-windows-load-pmon-c5.txt: `    0      15964   C+G      -  ...    NVIDIA Overlay.`
    const win = parseDmon(readFileSync(`${DMON}/rtx2080super-610.62-windows-load-pmon-c5.txt`, 'utf8'));
    expect(win.rows).toContainEqual({ gpu: '0', pid: '15964', type: 'C+G', command: 'NVIDIA Overlay.' });
  });
});

/**
 * `-s t` output as NVIDIA documents it: nvidia-smi(1), DEVICE MONITORING,
 * `-s t`: "PCIe Rx and Tx Throughput in MB/s (Maxwell and above)", with the
 * column names `rxpci`/`txpci` and the two-line `# gpu` / `# Idx` header
 * layout of the real captures above. Written for this test (no capture of
 * `-s t` exists in the fixtures); two GPUs.
 */
const DMON_T = `# gpu  rxpci  txpci 
# Idx   MB/s   MB/s 
    0     60     13 
    1      -      - 
    0     72     12 
    1   1500    250 
`;

describe('dmon -s t (PCIe throughput)', () => {
  const uuids: Record<string, string> = { '0': 'GPU-aaaaaaaa-0000-0000-0000-000000000000', '1': 'GPU-bbbbbbbb-0000-0000-0000-000000000001' };
  const uuidOf = (gpu: string) => uuids[gpu];

  it('turns MB/s into bytes/s (MB = 10^6, as shared/units.ts) labelled gpu and uuid; `-` gives no sample, never 0', () => {
    const { columns, rows } = parseDmon(DMON_T);
    expect(columns).toEqual([
      { name: 'gpu', unit: 'Idx' },
      { name: 'rxpci', unit: 'MB/s' },
      { name: 'txpci', unit: 'MB/s' },
    ]);
    expect(hasPcieColumns(columns)).toBe(true);
    expect(rows[1]).toEqual({ gpu: '1' });
    const samples = rows.flatMap((r) => pcieSamples(r, columns, uuidOf, 1000));
    expect(samples).toEqual([
      { metric: 'gpu_pcie_rx_bytes_per_second', labels: { gpu: '0', uuid: uuids['0'] }, value: 60e6, ts: 1000 },
      { metric: 'gpu_pcie_tx_bytes_per_second', labels: { gpu: '0', uuid: uuids['0'] }, value: 13e6, ts: 1000 },
      { metric: 'gpu_pcie_rx_bytes_per_second', labels: { gpu: '0', uuid: uuids['0'] }, value: 72e6, ts: 1000 },
      { metric: 'gpu_pcie_tx_bytes_per_second', labels: { gpu: '0', uuid: uuids['0'] }, value: 12e6, ts: 1000 },
      { metric: 'gpu_pcie_rx_bytes_per_second', labels: { gpu: '1', uuid: uuids['1'] }, value: 1500e6, ts: 1000 },
      { metric: 'gpu_pcie_tx_bytes_per_second', labels: { gpu: '1', uuid: uuids['1'] }, value: 250e6, ts: 1000 },
    ]);
  });

  it('finds the columns by name when other selections and `-o DT` come first (the GPU index is not the first column)', () => {
    // `nvidia-smi dmon -s pt -o DT`: date and time columns lead, as NVIDIA documents for `-o D|T`.
    const text = `#Date       Time        gpu    pwr  gtemp  mtemp  rxpci  txpci 
#YYYYMMDD   HH:MM:SS    Idx      W      C      C   MB/s   MB/s 
 20250101   12:00:00      3    631     63     57   2100    800 
`;
    const { columns, rows } = parseDmon(text);
    expect(columns.map((c) => c.name)).toEqual(['Date', 'Time', 'gpu', 'pwr', 'gtemp', 'mtemp', 'rxpci', 'txpci']);
    expect(rows[0]).toMatchObject({ gpu: '3', rxpci: '2100', txpci: '800' });
    expect(pcieSamples(rows[0]!, columns, () => 'GPU-x', 5).map((s) => [s.labels, s.value])).toEqual([
      [{ gpu: '3', uuid: 'GPU-x' }, 2100e6],
      [{ gpu: '3', uuid: 'GPU-x' }, 800e6],
    ]);
  });

  it('gives no sample for a GPU whose UUID is unknown, and none for a unit that is not bytes per second', () => {
    const { columns, rows } = parseDmon(DMON_T);
    expect(pcieSamples(rows[0]!, columns, () => undefined, 1)).toEqual([]);
    const odd = parseDmon(DMON_T.replace('# Idx   MB/s   MB/s', '# Idx      %      %'));
    expect(pcieSamples(odd.rows[0]!, odd.columns, uuidOf, 1)).toEqual([]);
  });

  it('sees a driver that does not know `-s t`: its usage error has no header, and a default dmon has no PCIe columns', () => {
    // What nvidia-smi prints for arguments it does not accept (the same answer the fake gives).
    expect(() => parseDmon("Invalid combination of input arguments. Please run 'nvidia-smi -h' for help.\n")).toThrow(/before its header/);
    const old = parseDmon(readFileSync(`${DMON}/rtx2080super-591.86-windows-load-dmon-c5.txt`, 'utf8'));
    expect(hasPcieColumns(old.columns)).toBe(false);
  });

  it('takes a repeated header (dmon reprints it; a restarted process prints it again) as the new columns', () => {
    const reader = new DmonReader();
    for (const l of DMON_T.split('\n').slice(0, 2)) expect(reader.line(l)).toBeNull();
    expect(reader.line('    0     60     13 ')).toEqual({ gpu: '0', rxpci: '60', txpci: '13' });
    reader.line('# gpu    pwr  rxpci  txpci');
    reader.line('# Idx      W   MB/s   MB/s');
    expect(reader.line('    0    100      1      2')).toEqual({ gpu: '0', pwr: '100', rxpci: '1', txpci: '2' });
    expect(() => reader.line('    0    100')).toThrow(/2 cells for 4 columns/);
  });
});
