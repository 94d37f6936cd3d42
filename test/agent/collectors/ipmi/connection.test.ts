import { describe, expect, it } from 'vitest';
import { connectionArgs, sdrCacheFile, targetFromConfig, type IpmiTarget } from '../../../../agent/collectors/ipmi/connection.js';
import { loadAgentConfig } from '../../../../agent/config.js';

const REMOTE: IpmiTarget = { interface: 'lanplus', host: '10.1.2.3', port: 623, username: 'admin', passwordFile: '/etc/kcloud/bmc.pw', password: '', cipherSuite: 3 };

describe('connectionArgs', () => {
  it('selects the local BMC through the kernel driver, with no host or credentials', () => {
    expect(connectionArgs({ ...REMOTE, interface: 'open' })).toEqual({ args: ['-I', 'open'], env: {} });
  });

  it('passes a remote BMC password as a file (-f), never inline', () => {
    expect(connectionArgs(REMOTE)).toEqual({
      args: ['-I', 'lanplus', '-H', '10.1.2.3', '-p', '623', '-C', '3', '-U', 'admin', '-f', '/etc/kcloud/bmc.pw', '-N', '2', '-R', '1'],
      env: {},
    });
  });

  it('passes an inline password through the child environment (-E reads IPMI_PASSWORD), not the command line', () => {
    const inv = connectionArgs({ ...REMOTE, passwordFile: '', password: 's3cret pass' });
    expect(inv.args).toEqual(['-I', 'lanplus', '-H', '10.1.2.3', '-p', '623', '-C', '3', '-U', 'admin', '-E', '-N', '2', '-R', '1']);
    expect(inv.env).toEqual({ IPMI_PASSWORD: 's3cret pass' });
    expect(inv.args.join(' ')).not.toContain('s3cret');
  });

  it('prefers the password file when both are given', () => {
    const inv = connectionArgs({ ...REMOTE, password: 's3cret' });
    expect(inv.args).toContain('-f');
    expect(inv.args).not.toContain('-E');
    expect(inv.env).toEqual({});
  });
});

describe('targetFromConfig', () => {
  it('reads collectors.ipmi and takes an inline password only from IPMI_PASSWORD', () => {
    const config = loadAgentConfig(undefined, {
      KCLOUD_COLLECTORS_IPMI_INTERFACE: 'lanplus',
      KCLOUD_COLLECTORS_IPMI_HOST: 'bmc-07.lab',
      KCLOUD_COLLECTORS_IPMI_PORT: '6230',
      KCLOUD_COLLECTORS_IPMI_USERNAME: 'ops',
      KCLOUD_COLLECTORS_IPMI_CIPHER_SUITE: '17',
    });
    expect(targetFromConfig(config.collectors.ipmi, { IPMI_PASSWORD: 'pw' })).toEqual({
      interface: 'lanplus',
      host: 'bmc-07.lab',
      port: 6230,
      username: 'ops',
      passwordFile: '',
      password: 'pw',
      cipherSuite: 17,
    });
    expect(targetFromConfig(config.collectors.ipmi, {}).password).toBe('');
  });
});

describe('sdrCacheFile', () => {
  it('keeps one SDR dump per BMC under <dataDir>/cache', () => {
    expect(sdrCacheFile('/var/lib/kcloud-agent', REMOTE)).toBe('/var/lib/kcloud-agent/cache/ipmi-sdr-10.1.2.3-623.bin');
    expect(sdrCacheFile('/d', { ...REMOTE, host: 'fe80::1%eth0' })).toBe('/d/cache/ipmi-sdr-fe80__1_eth0-623.bin');
    expect(sdrCacheFile('/d', { ...REMOTE, interface: 'open' })).toBe('/d/cache/ipmi-sdr-local.bin');
  });
});
