import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IpmiTarget } from '../../../../agent/collectors/ipmi/connection.js';
import { IpmitoolError, IpmitoolTimeoutError, ipmitoolRunner } from '../../../../agent/collectors/ipmi/source.js';
import { startBmcSim, type BmcSim } from '../../../helpers/bmc-sim.js';

describe('ipmitool runner against the real ipmi_sim BMC', () => {
  let bmc: BmcSim;
  let target: IpmiTarget;
  beforeAll(() => {
    bmc = startBmcSim({ portOffset: 100 });
    target = { interface: 'lanplus', host: '127.0.0.1', port: bmc.port, username: bmc.username, passwordFile: bmc.passwordFile, password: '', cipherSuite: 3 };
  });
  afterAll(() => {
    bmc?.thaw();
    bmc?.stop();
  });

  it('logs in with the password file (-f)', async () => {
    const run = ipmitoolRunner({ ipmitool: 'ipmitool', target, timeoutMs: 5000 });
    expect((await run(['mc', 'info'])).stdout).toMatch(/^Firmware Revision\s+: 2\.47$/m);
  });

  it('logs in with an inline password through IPMI_PASSWORD (-E)', async () => {
    const run = ipmitoolRunner({ ipmitool: 'ipmitool', target: { ...target, passwordFile: '', password: bmc.password }, timeoutMs: 5000 });
    expect((await run(['sdr', 'type', 'Temperature'])).stdout).toMatch(/^CPU1_Temp\s+\| 01h \| ok\s+\|\s+3\.1 \| 45 degrees C$/m);
  });

  it('fails a refused login with ipmitool\'s reason and without the password', async () => {
    const wrong = 'wrong-Secret-42';
    const run = ipmitoolRunner({ ipmitool: 'ipmitool', target: { ...target, passwordFile: '', password: wrong }, timeoutMs: 5000 });
    const err = await run(['mc', 'info']).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(IpmitoolError);
    expect((err as IpmitoolError).message).toMatch(/^ipmitool mc info failed \(BMC 127\.0\.0\.1:\d+\): .*(session|password|RAKP)/i);
    expect(`${(err as IpmitoolError).message}\n${(err as IpmitoolError).output}`).not.toContain(wrong);
  });

  it('kills ipmitool at the timeout when the BMC hangs (SIGSTOP)', async () => {
    const run = ipmitoolRunner({ ipmitool: 'ipmitool', target, timeoutMs: 800 });
    bmc.freeze();
    const t0 = Date.now();
    try {
      await expect(run(['sdr', 'elist'])).rejects.toThrow(IpmitoolTimeoutError);
      const elapsed = Date.now() - t0;
      expect(elapsed).toBeGreaterThanOrEqual(790);
      expect(elapsed).toBeLessThan(2000);
    } finally {
      bmc.thaw();
    }
    await expect(run(['mc', 'info'])).resolves.toMatchObject({ stdout: expect.stringContaining('IPMI Version') });
  });

  it('reports a missing ipmitool binary', async () => {
    const run = ipmitoolRunner({ ipmitool: '/nonexistent/ipmitool', target, timeoutMs: 1000 });
    await expect(run(['mc', 'info'])).rejects.toThrow(/ipmitool mc info failed .*ENOENT/);
  });
});
