import { describe, expect, it } from 'vitest';
import {
  cpuTotalWatts,
  domainOf,
  energyDelta,
  packageIndexOf,
  parseCounter,
  parseZoneDir,
  parseZones,
  powerWatts,
} from '../../../../agent/collectors/rapl/parse.js';

describe('parseZoneDir', () => {
  it.each([
    ['intel-rapl:0', { controlType: 'intel-rapl', topId: 0, subId: null }],
    // powercap_sys.c names zones with "%s:%x": package 10 is `a`, not `10`.
    ['intel-rapl:a', { controlType: 'intel-rapl', topId: 10, subId: null }],
    ['intel-rapl:10', { controlType: 'intel-rapl', topId: 16, subId: null }],
    ['intel-rapl:0:2', { controlType: 'intel-rapl', topId: 0, subId: 2 }],
    ['intel-rapl:1f:b', { controlType: 'intel-rapl', topId: 31, subId: 11 }],
    ['intel-rapl-mmio:0', { controlType: 'intel-rapl-mmio', topId: 0, subId: null }],
  ])('%s', (dir, expected) => {
    expect(parseZoneDir(dir)).toEqual(expected);
  });

  it.each(['intel-rapl', 'intel-rapl-mmio', 'intel-rapl:', 'intel-rapl:g', 'intel-rapl:0:0:0', 'dtpm', 'intel-rapl:A'])('%s is not a zone', (dir) => {
    expect(parseZoneDir(dir)).toBeNull();
  });
});

describe('domains and packages come from the name file', () => {
  it.each([
    ['package-0', 'package', 0],
    ['package-10', 'package', 10],
    ['package-1-die-0', 'package', 1],
    ['core', 'core', null],
    ['uncore', 'uncore', null],
    ['dram', 'dram', null],
    ['psys', 'psys', null],
    ['platform', 'other', null],
  ])('%s', (name, domain, pkg) => {
    expect(domainOf(name)).toBe(domain);
    expect(packageIndexOf(name)).toBe(pkg);
  });
});

describe('parseCounter', () => {
  it('reads the decimal counter text of energy_uj', () => {
    expect(parseCounter('240422366267\n', 'energy_uj')).toBe(240422366267);
  });

  it.each(['', '\n', 'N/A', '-5', '12 uJ', '1e9', '99999999999999999999'])('rejects %j instead of reading it as a number', (text) => {
    expect(() => parseCounter(text, 'intel-rapl:0/energy_uj')).toThrow(/intel-rapl:0\/energy_uj/);
  });
});

describe('energyDelta and powerWatts', () => {
  it.each([
    // [prev, cur, max, expected Δ µJ]
    [100, 350, 1000, 250],
    [500, 500, 1000, 0],
    [900, 100, 1000, 200],
    // The fixture's range: 850 µJ before the wrap point plus 500 after it.
    [262143328000, 500, 262143328850, 1350],
    // 200 J before the wrap, 100 J after it.
    [261943328850, 100000000, 262143328850, 300000000],
  ])('prev %d cur %d max %d -> %d', (prev, cur, max, delta) => {
    expect(energyDelta(prev, cur, max)).toBe(delta);
  });

  it('is Δenergy/Δt in watts', () => {
    expect(powerWatts(300_000_000, 2000)).toBe(150);
    expect(powerWatts(61_000, 1)).toBe(61);
    expect(powerWatts(0, 1000)).toBe(0);
  });
});

describe('parseZones', () => {
  // The file contents of the procfs fixture (../shared/fixtures/rapl/procfs-sys-class-powercap.ttar), in readdir order.
  const procfs = [
    { dir: 'intel-rapl:0', name: 'package-0\n', energyUj: '240422366267\n', maxEnergyRangeUj: '262143328850\n' },
    { dir: 'intel-rapl:0:0', name: 'core\n', energyUj: '118821284256\n', maxEnergyRangeUj: '262143328850\n' },
    { dir: 'intel-rapl:a', name: 'package-10\n', energyUj: '240422366267\n', maxEnergyRangeUj: '262143328850\n' },
  ];

  it('turns listing + contents into zones with hex ids, parents and labels', () => {
    expect(parseZones('/sys/class/powercap/', procfs)).toEqual({
      failed: [],
      zones: [
        {
          path: '/sys/class/powercap/intel-rapl:0',
          dir: 'intel-rapl:0',
          controlType: 'intel-rapl',
          id: 0,
          parentId: null,
          name: 'package-0',
          domain: 'package',
          packageIndex: 0,
          label: 'package-0',
          energyUj: 240422366267,
          maxEnergyRangeUj: 262143328850,
        },
        {
          path: '/sys/class/powercap/intel-rapl:0:0',
          dir: 'intel-rapl:0:0',
          controlType: 'intel-rapl',
          id: 0,
          parentId: 0,
          name: 'core',
          domain: 'core',
          packageIndex: 0,
          label: 'package-0/core',
          energyUj: 118821284256,
          maxEnergyRangeUj: 262143328850,
        },
        {
          path: '/sys/class/powercap/intel-rapl:a',
          dir: 'intel-rapl:a',
          controlType: 'intel-rapl',
          id: 10,
          parentId: null,
          name: 'package-10',
          domain: 'package',
          packageIndex: 10,
          label: 'package-10',
          energyUj: 240422366267,
          maxEnergyRangeUj: 262143328850,
        },
      ],
    });
  });

  it('sorts by numeric id, not by directory string, and keeps MMIO zones apart', () => {
    const files = (dir: string, name: string) => ({ dir, name, energyUj: '1', maxEnergyRangeUj: '2' });
    const { zones } = parseZones('/p', [
      files('intel-rapl-mmio:0', 'package-0'),
      files('intel-rapl:10', 'package-16'),
      files('intel-rapl:2', 'package-2'),
      files('intel-rapl:2:0', 'dram'),
      files('intel-rapl:a', 'package-10'),
      files('intel-rapl', 'not a zone'),
    ]);
    expect(zones.map((z) => [z.dir, z.label, z.packageIndex])).toEqual([
      ['intel-rapl:2', 'package-2', 2],
      ['intel-rapl:2:0', 'package-2/dram', 2],
      ['intel-rapl:a', 'package-10', 10],
      ['intel-rapl:10', 'package-16', 16],
      ['intel-rapl-mmio:0', 'mmio/package-0', 0],
    ]);
  });

  it('reports a garbled counter as a failed zone, never as 0', () => {
    const scan = parseZones('/p', [procfs[0]!, { ...procfs[2]!, energyUj: '' }]);
    expect(scan.zones.map((z) => z.dir)).toEqual(['intel-rapl:0']);
    expect(scan.failed).toEqual([{ dir: 'intel-rapl:a', error: 'intel-rapl:a/energy_uj: expected an unsigned integer, got ""' }]);
  });

  it('labels a subzone whose parent is missing by the parent directory', () => {
    const { zones } = parseZones('/p', [{ dir: 'intel-rapl:1:0', name: 'dram', energyUj: '5', maxEnergyRangeUj: '9' }]);
    expect(zones[0]).toMatchObject({ label: 'intel-rapl:1/dram', packageIndex: null, parentId: 1 });
  });
});

describe('cpuTotalWatts', () => {
  it.each([
    [
      'two sockets: packages + dram, psys left out',
      [
        { zone: 'package-0', domain: 'package', watts: 150 },
        { zone: 'package-0/dram', domain: 'dram', watts: 20 },
        { zone: 'package-1', domain: 'package', watts: 120 },
        { zone: 'package-1/dram', domain: 'dram', watts: 18 },
        { zone: 'psys', domain: 'psys', watts: 350 },
      ],
      308,
    ],
    [
      'core and uncore are inside the package, MMIO repeats it',
      [
        { zone: 'package-0', domain: 'package', watts: 28 },
        { zone: 'package-0/core', domain: 'core', watts: 20 },
        { zone: 'package-0/uncore', domain: 'uncore', watts: 2 },
        { zone: 'psys', domain: 'psys', watts: 45 },
        { zone: 'mmio/package-0', domain: 'package', watts: 28.5 },
      ],
      28,
    ],
    ['MMIO only', [{ zone: 'mmio/package-0', domain: 'package', watts: 9 }], 9],
    ['no zones', [], 0],
  ])('%s', (_case, zones, total) => {
    expect(cpuTotalWatts(zones)).toBe(total);
  });
});
