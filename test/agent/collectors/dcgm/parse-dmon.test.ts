import { describe, expect, it } from 'vitest';
import { DmonParser, dmonHeader, dmonRow, type DmonLine } from '../../../../agent/collectors/dcgm/parse-dmon.js';
import { rowsToSamples } from '../../../../agent/collectors/dcgm/samples.js';

// No real `dcgmi dmon` capture is public (../shared/fixtures/dcgmi/README.md).
// These lines are written by hand to the layout of DCGM 4.6 dcgmi/DeviceMonitor.cpp
// as the README documents it, for `dcgmi dmon -e 155,156,157,150,252`:
// `#Entity`/`ID`/entity padded to 14 + 2, each field to its width + 6 + 2
// (POWER 10, TOTEC 16, POWINST 10, TMPTR 5, FBUSD 10 -> 18, 24, 18, 13, 18),
// units with their leading space, doubles with 3 decimals, MIG rows after their
// GPU with blanks for fields the entity does not have. The values are invented.
const HEADER = '#Entity         POWER             TOTEC                   POWINST           TMPTR        FBUSD             ';
const UNITS = 'ID               W                 mJ                      W                 C                             ';
const GPU0 = 'GPU 0           236.142           1234567890              240.511           41           19818             ';
const GI1 = 'GPU-I 1                                                                                  9728              ';
const CI3 = 'GPU-CI 3                                                                                 N/A               ';
const GPU1 = 'GPU 1           198.004           987654321               N/A               38           4096              ';
const FIELDS = [155, 156, 157, 150, 252];

const STREAM = [
  HEADER, UNITS,
  GPU0, GI1, CI3, GPU1,
  // dmon re-prints both header lines every 14 iterations.
  HEADER, UNITS,
  GPU0, GI1, CI3, GPU1,
  '', '', 'dmon was stopped due to receiving a signal',
];

describe('DCGM dmon parser', () => {
  it('cuts cells at the header columns: entity with a space, N/A as null, blank as undefined', () => {
    const layout = dmonHeader(HEADER)!;
    expect(layout.names).toEqual(['POWER', 'TOTEC', 'POWINST', 'TMPTR', 'FBUSD']);
    expect(dmonRow(layout, GPU0)).toEqual({ group: 'GPU', id: 0, cells: [236.142, 1234567890, 240.511, 41, 19818] });
    expect(dmonRow(layout, GI1)).toEqual({ group: 'GPU-I', id: 1, cells: [undefined, undefined, undefined, undefined, 9728] });
    expect(dmonRow(layout, CI3)).toEqual({ group: 'GPU-CI', id: 3, cells: [undefined, undefined, undefined, undefined, null] });
    expect(dmonRow(layout, GPU1)).toEqual({ group: 'GPU', id: 1, cells: [198.004, 987654321, null, 38, 4096] });
  });

  it('classifies a whole stream line by line, repeated header and trailer included', () => {
    const p = new DmonParser();
    const kinds = STREAM.map((l) => p.line(l).kind);
    expect(kinds).toEqual(['header', 'units', 'row', 'row', 'row', 'row', 'header', 'units', 'row', 'row', 'row', 'row', 'blank', 'blank', 'stopped']);
  });

  it('reports rows before any header, and error text, as "other"', () => {
    const p = new DmonParser();
    expect(p.line(GPU0)).toEqual({ kind: 'other', text: GPU0.trim() });
    p.line(HEADER);
    // dcgmi's message when a watch cannot be set (DeviceMonitor.cpp).
    const err = 'Error setting watches. Result: -29: Host engine is running as non-root';
    expect(p.line(err)).toEqual<DmonLine>({ kind: 'other', text: err });
  });

  it('reads NVLink entities, whose group holds the GPU id', () => {
    const layout = dmonHeader('#Entity         POWER             ')!;
    expect(dmonRow(layout, 'GPU 0 LINK 3    N/A               ')).toEqual({ group: 'GPU 0 LINK', id: 3, cells: [null] });
  });
});

describe('rowsToSamples', () => {
  it('publishes GPU rows in kcloud units with the uuid label, and leaves MIG entity rows and N/A out', () => {
    const p = new DmonParser();
    const rows = STREAM.slice(0, 6).flatMap((l) => {
      const r = p.line(l);
      return r.kind === 'row' ? [r.row] : [];
    });
    const uuids = new Map([[0, 'GPU-aaaaaaaa-0000-0000-0000-000000000000']]);
    const samples = rowsToSamples(rows, FIELDS, uuids, 1_750_000_000_000);
    const g0 = { gpu: '0', uuid: 'GPU-aaaaaaaa-0000-0000-0000-000000000000' };
    const g1 = { gpu: '1', uuid: '' };
    const ts = 1_750_000_000_000;
    expect(samples).toEqual([
      { metric: 'gpu_power_watts', labels: g0, value: 236.142, ts },
      { metric: 'gpu_energy_joules', labels: g0, value: 1234567.89, ts },
      { metric: 'gpu_power_instant_watts', labels: g0, value: 240.511, ts },
      { metric: 'gpu_temperature_celsius', labels: g0, value: 41, ts },
      { metric: 'gpu_memory_used_bytes', labels: g0, value: 19818 * 1024 * 1024, ts },
      { metric: 'gpu_power_watts', labels: g1, value: 198.004, ts },
      { metric: 'gpu_energy_joules', labels: g1, value: 987654.321, ts },
      { metric: 'gpu_temperature_celsius', labels: g1, value: 38, ts },
      { metric: 'gpu_memory_used_bytes', labels: g1, value: 4096 * 1024 * 1024, ts },
    ]);
  });
});
