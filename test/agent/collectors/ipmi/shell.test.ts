import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IpmiTarget } from '../../../../agent/collectors/ipmi/connection.js';
import { parseDcmiPowerReading } from '../../../../agent/collectors/ipmi/parse-dcmi.js';
import { parseSdr } from '../../../../agent/collectors/ipmi/parse-sdr.js';
import { ipmitoolSession } from '../../../../agent/collectors/ipmi/session.js';
import { IpmitoolShell, splitShellAnswer } from '../../../../agent/collectors/ipmi/shell.js';
import { IpmitoolError, IpmitoolTimeoutError, ipmitoolRunner } from '../../../../agent/collectors/ipmi/source.js';
import { createLogger } from '../../../../shared/log.js';
import { startBmcSim, type BmcSim } from '../../../helpers/bmc-sim.js';

const SETPRIV = '/usr/bin/setpriv';

describe('splitShellAnswer', () => {
  it('drops the echoed command line and the closing prompt, and waits for the prompt', () => {
    expect(splitShellAnswer('sdr elist\nFan1 | 10h | ok | 29.1 | 8400 RPM\nipmitool> ')).toBe('Fan1 | 10h | ok | 29.1 | 8400 RPM\n');
    expect(splitShellAnswer('sdr elist\nFan1 | 10h | ok')).toBeNull();
    expect(splitShellAnswer('sdr get NoSuch\nipmitool> ')).toBe('');
    expect(splitShellAnswer('ipmitool> ')).toBeNull();
  });
});

describe('ipmitool shell session against the real ipmi_sim BMC', () => {
  let bmc: BmcSim;
  let target: IpmiTarget;
  const shells: IpmitoolShell[] = [];
  const open = (t: IpmiTarget = target, timeoutMs = 5000) => {
    const s = new IpmitoolShell({ ipmitool: 'ipmitool', setpriv: SETPRIV, target: t, timeoutMs });
    shells.push(s);
    return s;
  };
  beforeAll(() => {
    bmc = startBmcSim({ portOffset: 140 });
    target = { interface: 'lanplus', host: '127.0.0.1', port: bmc.port, username: bmc.username, passwordFile: bmc.passwordFile, password: '', cipherSuite: 3 };
  });
  afterAll(async () => {
    bmc?.thaw();
    for (const s of shells) await s.close();
    bmc?.stop();
  });

  it('answers sdr elist and dcmi power reading in one process, as the per-call runner does, and sees new readings', async () => {
    const shell = open();
    const perCall = ipmitoolRunner({ ipmitool: 'ipmitool', target, timeoutMs: 5000 });
    const sdr = await shell.run(['sdr', 'elist']);
    const pid = shell.pid;
    expect(pid).toBeGreaterThan(0);
    expect(parseSdr(sdr.stdout)).toEqual(parseSdr((await perCall(['sdr', 'elist'])).stdout));
    expect(parseSdr(sdr.stdout).length).toBeGreaterThan(10);
    const dcmi = parseDcmiPowerReading((await shell.run(['dcmi', 'power', 'reading'])).stdout);
    expect(dcmi).toEqual(parseDcmiPowerReading((await perCall(['dcmi', 'power', 'reading'])).stdout));
    bmc.set('Fan1', 7000);
    expect(parseSdr((await shell.run(['sdr', 'elist'])).stdout).find((r) => r.name === 'Fan1')).toMatchObject({ value: 7000 });
    expect(shell.pid).toBe(pid);
    bmc.reset();
  });

  it('runs concurrent calls one after another, each with its own answer', async () => {
    const shell = open();
    const [a, b, c] = await Promise.all([shell.run(['mc', 'info']), shell.run(['sdr', 'elist']), shell.run(['mc', 'info'])]);
    expect(a.stdout).toMatch(/^Firmware Revision\s+: 2\.47$/m);
    expect(c.stdout).toBe(a.stdout);
    expect(b.stdout).not.toContain('Firmware Revision');
    expect(parseSdr(b.stdout).length).toBeGreaterThan(10);
  });

  it('fails a command whose answer is only an error, and keeps the session for the next', async () => {
    const shell = open();
    await shell.run(['mc', 'info']);
    const pid = shell.pid;
    const err = await shell.run(['sdr', 'get', 'NoSuchSensor']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpmitoolError);
    expect((err as IpmitoolError).output).toMatch(/Unable to find sensor id 'NoSuchSensor'/);
    expect((await shell.run(['mc', 'info'])).stdout).toMatch(/IPMI Version/);
    expect(shell.pid).toBe(pid);
  });

  it('kills the shell at the timeout when the BMC hangs, and starts a new one afterwards', async () => {
    const shell = open(target, 800);
    await shell.run(['mc', 'info']);
    const pid = shell.pid!;
    bmc.freeze();
    try {
      await expect(shell.run(['sdr', 'elist'])).rejects.toThrow(IpmitoolTimeoutError);
      expect(shell.pid).toBeUndefined();
    } finally {
      bmc.thaw();
    }
    expect((await shell.run(['mc', 'info'])).stdout).toMatch(/IPMI Version/);
    expect(shell.pid).not.toBe(pid);
  });

  it('keeps the inline password off the command line (-E), and a wrong one fails without echoing it', async () => {
    const shell = open({ ...target, passwordFile: '', password: bmc.password });
    await shell.run(['mc', 'info']);
    const argv = readFileSync(`/proc/${shell.pid}/cmdline`, 'utf8').split('\0');
    expect(argv).toContain('-E');
    expect(argv).toContain('shell');
    expect(argv.join(' ')).not.toContain(bmc.password);
    const wrong = 'wrong-Secret-42';
    const bad = open({ ...target, passwordFile: '', password: wrong });
    const err = await bad.run(['mc', 'info']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpmitoolError);
    expect(`${(err as IpmitoolError).message}\n${(err as IpmitoolError).output}`).not.toContain(wrong);
  });

  it('logs out and ends on close', async () => {
    const shell = open();
    await shell.run(['mc', 'info']);
    const pid = shell.pid!;
    await shell.close();
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('falls back to one ipmitool per call where the shell cannot start, and not when the BMC is what fails', async () => {
    const log = createLogger({ name: 'test', level: 'silent' });
    // /bin/false in setpriv's place: a shell that dies before its prompt.
    const broken = ipmitoolSession({ ipmitool: 'ipmitool', setpriv: '/bin/false', target, timeoutMs: 5000, log });
    expect(broken.usesShell()).toBe(true);
    expect((await broken.run(['mc', 'info'])).stdout).toMatch(/IPMI Version/);
    expect(broken.usesShell()).toBe(false);
    const none = ipmitoolSession({ ipmitool: 'ipmitool', setpriv: null, target, timeoutMs: 5000, log });
    expect(none.usesShell()).toBe(false);
    expect((await none.run(['mc', 'info'])).stdout).toMatch(/IPMI Version/);
    const refused = ipmitoolSession({ ipmitool: 'ipmitool', setpriv: SETPRIV, target: { ...target, passwordFile: '', password: 'wrong-Secret-42' }, timeoutMs: 5000, log });
    await expect(refused.run(['mc', 'info'])).rejects.toThrow(IpmitoolError);
    expect(refused.usesShell()).toBe(true);
    await refused.close();
  });
});
