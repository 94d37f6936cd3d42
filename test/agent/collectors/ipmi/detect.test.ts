import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { IpmiTarget } from '../../../../agent/collectors/ipmi/connection.js';
import { detectIpmi } from '../../../../agent/collectors/ipmi/detect.js';

// A private PATH holding an executable `ipmitool`, and a stand-in for /dev/ipmi0: detect() only checks that they exist.
const dir = mkdtempSync(join(tmpdir(), 'kcloud-ipmi-detect-'));
const bin = join(dir, 'bin');
mkdirSync(bin);
writeFileSync(join(bin, 'ipmitool'), '#!/bin/sh\nexit 0\n');
chmodSync(join(bin, 'ipmitool'), 0o755);
writeFileSync(join(bin, 'not-executable'), '');
const device = join(dir, 'ipmi0');
writeFileSync(device, '');
const absent = join(dir, 'no-such-device');

const LOCAL: IpmiTarget = { interface: 'open', host: '', port: 623, username: '', passwordFile: '', password: '', cipherSuite: 3 };
const REMOTE: IpmiTarget = { ...LOCAL, interface: 'lanplus', host: '10.0.0.5' };

describe('detectIpmi', () => {
  it('finds a local BMC when ipmitool is on PATH and a device node exists, and says which', async () => {
    const d = await detectIpmi('ipmitool', LOCAL, { devices: [absent, device], pathEnv: `/nonexistent:${bin}` });
    expect(d).toEqual({ available: true, reason: `local BMC through ${device} with ${join(bin, 'ipmitool')}` });
  });

  it('is off for the open interface without a device node', async () => {
    const d = await detectIpmi('ipmitool', LOCAL, { devices: [absent], pathEnv: bin });
    expect(d.available).toBe(false);
    expect(d.reason).toContain(absent);
  });

  it('uses a remote BMC when a host is set, whatever the local devices', async () => {
    expect(await detectIpmi('ipmitool', REMOTE, { devices: [absent], pathEnv: bin })).toEqual({
      available: true,
      reason: `remote BMC 10.0.0.5:623 over lanplus with ${join(bin, 'ipmitool')}`,
    });
    const noHost = await detectIpmi('ipmitool', { ...REMOTE, host: '' }, { devices: [device], pathEnv: bin });
    expect(noHost).toMatchObject({ available: false, reason: expect.stringContaining('host') });
  });

  it('is off when ipmitool is not found, even with a BMC', async () => {
    expect(await detectIpmi('ipmitool', LOCAL, { devices: [device], pathEnv: '/nonexistent' })).toMatchObject({ available: false, reason: expect.stringContaining('ipmitool not found') });
    expect((await detectIpmi(join(bin, 'not-executable'), REMOTE, { pathEnv: bin })).available).toBe(false);
    expect((await detectIpmi(join(bin, 'ipmitool'), REMOTE, { pathEnv: '' })).available).toBe(true);
  });
});
