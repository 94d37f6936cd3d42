import { describe, expect, it } from 'vitest';
import { namePciIds } from '../../../../agent/collectors/host/pci-ids.js';

// Excerpts of pci.ids (2023), in its order: vendors ascending, then the device classes.
const PCI_IDS = `#	List of PCI ID's
#
# Syntax:
# vendor  vendor_name
#	device  device_name				<-- single tab
#		subvendor subdevice  subsystem_name	<-- two tabs

0001  SafeNet (wrong ID)
1a03  ASPEED Technology, Inc.
	1150  AST1150 PCI-to-PCI Bridge
	2000  ASPEED Graphics Family
		15d9 0832  X10SRL-F
10de  NVIDIA Corporation
	2330  GH100 [H100 SXM5 80GB]
		10de 16c1  H100 SXM5 80GB
	2331  GH100 [H100 PCIe]
C 00  Unclassified device
	00  Non-VGA unclassified device
`.split('\n');

describe('namePciIds', () => {
  it('names vendors and devices, not subsystems', async () => {
    const names = await namePciIds(PCI_IDS, [
      { vendor: '1a03', device: '2000' },
      { vendor: '10de', device: '2330' },
    ]);
    expect(Object.fromEntries(names)).toEqual({
      '1a03:2000': { vendor: 'ASPEED Technology, Inc.', device: 'ASPEED Graphics Family' },
      '10de:2330': { vendor: 'NVIDIA Corporation', device: 'GH100 [H100 SXM5 80GB]' },
    });
  });

  it('leaves unknown ids unnamed, and a known vendor with an unknown device half named', async () => {
    const names = await namePciIds(PCI_IDS, [
      { vendor: '10de', device: 'ffff' },
      { vendor: 'abcd', device: '0001' },
    ]);
    expect(names.get('10de:ffff')).toEqual({ vendor: 'NVIDIA Corporation', device: null });
    expect(names.get('abcd:0001')).toEqual({ vendor: null, device: null });
  });

  it('does not take a device class for a device', async () => {
    expect((await namePciIds(PCI_IDS, [{ vendor: '10de', device: '00' }])).get('10de:00')?.device).toBeNull();
  });

  it('stops reading once every id is named', async () => {
    let read = 0;
    function* counted() {
      for (const line of PCI_IDS) {
        read++;
        yield line;
      }
    }
    await namePciIds(counted(), [{ vendor: '1a03', device: '2000' }]);
    expect(read).toBe(PCI_IDS.indexOf('\t\t15d9 0832  X10SRL-F') + 1);
  });
});
