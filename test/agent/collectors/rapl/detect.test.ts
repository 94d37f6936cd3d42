import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { detectRapl } from '../../../../agent/collectors/rapl/detect.js';
import { ROOT_ONLY_REASON } from '../../../../agent/collectors/rapl/source.js';
import { unpackTtar } from '../../../helpers/ttar.js';
import { copyTree, TTAR, TTAR_ROOT } from './trees.js';

const DETECT_TS = fileURLToPath(new URL('../../../../agent/collectors/rapl/detect.ts', import.meta.url));

describe('detectRapl', () => {
  it('finds the zones of the real procfs fixture', async () => {
    const root = join(unpackTtar(TTAR), TTAR_ROOT);
    expect(await detectRapl(root)).toEqual({ available: true, reason: `3 RAPL zones under ${root} (package-0, package-0/core, package-10)` });
  });

  it('calls a missing powercap directory "not on this host"', async () => {
    expect(await detectRapl('/nonexistent/powercap')).toEqual({
      available: false,
      reason: 'not on this host: /nonexistent/powercap does not exist (no RAPL driver loaded, or a CPU it does not support)',
    });
  });

  it('calls a powercap directory without zones "not on this host" (an AMD CPU on an older kernel has only other control types)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'kcloud-powercap-'));
    mkdirSync(join(root, 'intel-rapl'));
    writeFileSync(join(root, 'intel-rapl', 'enabled'), '1\n');
    mkdirSync(join(root, 'dtpm'));
    expect(await detectRapl(root)).toEqual({ available: false, reason: `not on this host: no intel-rapl zones under ${root}` });
  });

  it('is off, with the one operator-facing reason, when the kernel denies energy_uj (chmod 000)', async () => {
    const root = copyTree('two-socket-server');
    const denied = join(root, 'intel-rapl:0', 'energy_uj');
    chmodSync(denied, 0o000);
    const expected = { available: false, reason: `${ROOT_ONLY_REASON} (denied: ${denied})` };
    if (process.getuid?.() !== 0) {
      expect(await detectRapl(root)).toEqual(expected);
      return;
    }
    // Root reads a mode-000 file anyway, so the probe runs as `nobody` to get the kernel's real EACCES.
    const probe = `const { detectRapl } = await import(${JSON.stringify(DETECT_TS)}); process.stdout.write(JSON.stringify(await detectRapl(process.argv[1])));`;
    const { stdout } = await execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--', process.execPath, '--import', 'tsx', '--input-type=module', '-e', probe, root]);
    expect(JSON.parse(stdout)).toEqual(expected);
  });

  it('maps an EACCES from the reader to the same reason (the pure branch, independent of who runs the tests)', async () => {
    const root = copyTree('client-mmio');
    const read = async (p: string) => {
      if (p.endsWith('/energy_uj')) throw Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: 'EACCES', path: p });
      return readFile(p, 'utf8');
    };
    expect(await detectRapl(root, read)).toEqual({ available: false, reason: `${ROOT_ONLY_REASON} (denied: ${join(root, 'intel-rapl:0', 'energy_uj')})` });
  });

  it('is off when every zone fails to read for another reason', async () => {
    const root = copyTree('client-mmio');
    const read = async (p: string) => {
      if (p.endsWith('/energy_uj')) throw Object.assign(new Error('ENODATA: no data available'), { code: 'ENODATA' });
      return readFile(p, 'utf8');
    };
    const d = await detectRapl(root, read);
    expect(d.available).toBe(false);
    expect(d.reason).toMatch(new RegExp(`^no readable RAPL zone under ${root}: ENODATA`));
  });
});
