import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RaplPermissionError, readZones } from '../../../../agent/collectors/rapl/source.js';
import { unpackTtar } from '../../../helpers/ttar.js';
import { copyTree, TTAR, TTAR_ROOT } from './trees.js';

function errno(code: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: read ${path}`), { code, path });
}

describe('the ttar loader', () => {
  it('unpacks the procfs fixture with contents, empty files and modes', () => {
    const root = join(unpackTtar(TTAR), TTAR_ROOT);
    expect(readFileSync(join(root, 'intel-rapl:a/name'), 'utf8')).toBe('package-10\n');
    expect(readFileSync(join(root, 'intel-rapl:0/constraint_1_name'), 'utf8')).toBe('short_term\n');
    // "Lines: 0" in the fixture: present and empty.
    expect(readFileSync(join(root, 'intel-rapl:0:0/constraint_0_max_power_uw'), 'utf8')).toBe('');
    expect(statSync(join(root, 'intel-rapl:0/energy_uj')).mode & 0o777).toBe(0o444);
    expect(statSync(join(root, 'intel-rapl:0/enabled')).mode & 0o777).toBe(0o644);
  });
});

describe('readZones', () => {
  it('reads the real procfs fixture tree: names from the name file, hex id a is package 10', async () => {
    const root = join(unpackTtar(TTAR), TTAR_ROOT);
    const { zones, failed } = await readZones(root);
    expect(failed).toEqual([]);
    expect(zones.map((z) => [z.path, z.id, z.parentId, z.name, z.domain, z.packageIndex, z.energyUj, z.maxEnergyRangeUj])).toEqual([
      [join(root, 'intel-rapl:0'), 0, null, 'package-0', 'package', 0, 240422366267, 262143328850],
      [join(root, 'intel-rapl:0:0'), 0, 0, 'core', 'core', 0, 118821284256, 262143328850],
      [join(root, 'intel-rapl:a'), 10, null, 'package-10', 'package', 10, 240422366267, 262143328850],
    ]);
  });

  it('reads a two-socket tree where dram is subzone 0 and psys a top-level zone', async () => {
    const { zones } = await readZones(copyTree('two-socket-server'));
    expect(zones.map((z) => [z.dir, z.label, z.domain, z.packageIndex, z.energyUj, z.maxEnergyRangeUj])).toEqual([
      ['intel-rapl:0', 'package-0', 'package', 0, 261943328850, 262143328850],
      ['intel-rapl:0:0', 'package-0/dram', 'dram', 0, 65702999613, 65712999613],
      ['intel-rapl:1', 'package-1', 'package', 1, 100000000000, 262143328850],
      ['intel-rapl:1:0', 'package-1/dram', 'dram', 1, 5000000000, 65712999613],
      ['intel-rapl:2', 'psys', 'psys', null, 12345678901, 262143328850],
    ]);
  });

  it('includes intel-rapl-mmio zones', async () => {
    const { zones } = await readZones(copyTree('client-mmio'));
    expect(zones.map((z) => [z.dir, z.label, z.domain])).toEqual([
      ['intel-rapl:0', 'package-0', 'package'],
      ['intel-rapl:0:0', 'package-0/core', 'core'],
      ['intel-rapl:0:1', 'package-0/uncore', 'uncore'],
      ['intel-rapl:1', 'psys', 'psys'],
      ['intel-rapl-mmio:0', 'mmio/package-0', 'package'],
    ]);
  });

  it('skips and reports a zone whose counter read fails (a failing show callback answers ENODATA)', async () => {
    const root = copyTree('two-socket-server');
    const bad = join(root, 'intel-rapl:1:0', 'energy_uj');
    const read = async (p: string) => {
      if (p === bad) throw errno('ENODATA', p);
      return readFile(p, 'utf8');
    };
    const { zones, failed } = await readZones(root, read);
    expect(zones.map((z) => z.dir)).toEqual(['intel-rapl:0', 'intel-rapl:0:0', 'intel-rapl:1', 'intel-rapl:2']);
    expect(failed).toEqual([{ dir: 'intel-rapl:1:0', error: `ENODATA: read ${bad}` }]);
  });

  it('stops with RaplPermissionError when energy_uj is denied', async () => {
    const root = copyTree('two-socket-server');
    const read = async (p: string) => {
      if (p.endsWith('energy_uj')) throw errno('EACCES', p);
      return readFile(p, 'utf8');
    };
    const err = await readZones(root, read).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RaplPermissionError);
    expect((err as RaplPermissionError).path).toBe(join(root, 'intel-rapl:0', 'energy_uj'));
  });

  it('throws ENOENT for a missing root', async () => {
    await expect(readZones('/nonexistent/powercap')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
