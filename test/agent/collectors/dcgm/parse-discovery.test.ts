import { describe, expect, it } from 'vitest';
import { parseDiscovery } from '../../../../agent/collectors/dcgm/parse-discovery.js';

// Written to the layout of DCGM 4.6 dcgmi/Query.cpp (DcgmiOutputColumns, an 8-wide
// "GPU ID" and a 70-wide "Device Information" column); no public capture exists.
// Names, bus ids and UUIDs are the real H100 and L40S captures' (UUIDs masked there).
const TEXT = `2 GPUs found (Active).
+--------+----------------------------------------------------------------------+
| GPU ID | Device Information                                                   |
+--------+----------------------------------------------------------------------+
| 0      | Name: NVIDIA H100 80GB HBM3                                          |
|        | PCI Bus ID: 00000000:00:09.0                                         |
|        | Device UUID: GPU-00000000-0000-0000-0000-000000000000                |
+--------+----------------------------------------------------------------------+
| 1      | Name: NVIDIA L40S                                                    |
|        | PCI Bus ID: 00000000:01:00.0                                         |
|        | Device UUID: GPU-00000000-0000-0000-0000-000000000001                |
+--------+----------------------------------------------------------------------+
0 NvSwitches found.
+-----------+
| Switch ID |
+===========+
+-----------+
1 CPU found.
+--------+----------------------------------------------------------------------+
| CPU ID | Device Information                                                   |
+--------+----------------------------------------------------------------------+
| 0      | Name: Grace TH500                                                    |
|        | Cores: 0-71                                                          |
+--------+----------------------------------------------------------------------+
`;

describe('parseDiscovery', () => {
  it('reads every GPU and skips the switch and CPU sections', () => {
    expect(parseDiscovery(TEXT)).toEqual([
      { id: 0, name: 'NVIDIA H100 80GB HBM3', pciBusId: '00000000:00:09.0', uuid: 'GPU-00000000-0000-0000-0000-000000000000' },
      { id: 1, name: 'NVIDIA L40S', pciBusId: '00000000:01:00.0', uuid: 'GPU-00000000-0000-0000-0000-000000000001' },
    ]);
  });

  it('drops the "(last known)" suffix of a GPU that is not active (`-a`)', () => {
    const text = `1 GPU found (All).
+--------+----------------------------------------------------------------------+
| GPU ID | Device Information                                                   |
+--------+----------------------------------------------------------------------+
| 3      | Status: Detached                                                     |
|        | Name: NVIDIA H200 (last known)                                       |
|        | PCI Bus ID: 00000000:83:00.0 (last known)                            |
|        | Device UUID: GPU-00000000-0000-0000-0000-000000000000                |
+--------+----------------------------------------------------------------------+
`;
    expect(parseDiscovery(text)).toEqual([{ id: 3, name: 'NVIDIA H200', pciBusId: '00000000:83:00.0', uuid: 'GPU-00000000-0000-0000-0000-000000000000' }]);
  });

  it('finds no GPU in a connection error', () => {
    expect(parseDiscovery('Error: unable to establish a connection to the specified host: localhost\n')).toEqual([]);
  });
});
