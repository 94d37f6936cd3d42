import { describe, expect, it } from 'vitest';
import { parseFru, parseMcInfo } from '../../../../agent/collectors/ipmi/parse-inventory.js';
import { shared } from './fixtures.js';

describe('BMC inventory parsers', () => {
  it('reads the BMC identity from `mc info` (ipmi_sim)', () => {
    expect(parseMcInfo(shared('bmc-sim/sample-output/mc-info.txt'))).toEqual({
      firmwareRevision: '2.47',
      ipmiVersion: '2.0',
      manufacturerId: 4753,
      manufacturerName: 'MontaVista Software, Inc.',
      // `Product ID : 19267 (0x4b43)`
      productId: 19267,
    });
  });

  it('reads the machine identity from `fru print 0` (ipmi_sim)', () => {
    expect(parseFru(shared('bmc-sim/sample-output/fru-print.txt'))).toEqual({
      manufacturer: 'KCloud Simulated Systems',
      product: 'KC-GPU-4U-2S (ipmi_sim)',
      serial: 'KCSIM-000001',
      partNumber: 'KC-4U2S-4G',
      assetTag: 'kcloud-sim-node-01',
      boardSerial: 'KCSIM-MB-000001',
      chassisSerial: 'KCSIM-CH-000001',
    });
  });

  it('falls back to the board area when a FRU has no product area', () => {
    const boardOnly = shared('bmc-sim/sample-output/fru-print.txt')
      .split('\n')
      .filter((l) => !l.trimStart().startsWith('Product '))
      .join('\n');
    expect(parseFru(boardOnly)).toMatchObject({ manufacturer: 'KCloud Simulated Systems', product: 'KC-MB-2S4G', serial: 'KCSIM-MB-000001', assetTag: null });
  });

  it('gives nulls, not guesses, for text that is no `mc info`', () => {
    expect(parseMcInfo(shared('bmc-sim/sample-output/sdr-elist.txt'))).toEqual({
      firmwareRevision: null,
      ipmiVersion: null,
      manufacturerId: null,
      manufacturerName: null,
      productId: null,
    });
  });
});
