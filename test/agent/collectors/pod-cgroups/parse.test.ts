import { describe, expect, it } from 'vitest';
import { classifyEntry, parseCpuacctUsageUsec, parseCpuStatUsageUsec, parseMemoryCurrent } from '../../../../agent/collectors/pod-cgroups/parse.js';

const UID = '6b3a1f3c-7d2e-4f1a-9c0b-1234567890ab';
const UID_ = UID.replaceAll('-', '_');

describe('pod cgroup directory names (kubelet cgroup manager naming)', () => {
  it.each([
    // systemd driver: the QoS levels right under kubepods.slice, pods with their level in the name, Guaranteed pods right under kubepods.slice
    ['systemd', 'kubepods-burstable.slice', null, { kind: 'qos', qos: 'burstable' }],
    ['systemd', 'kubepods-besteffort.slice', null, { kind: 'qos', qos: 'besteffort' }],
    ['systemd', `kubepods-pod${UID_}.slice`, null, { kind: 'pod', uid: UID, qos: 'guaranteed' }],
    ['systemd', `kubepods-burstable-pod${UID_}.slice`, 'burstable', { kind: 'pod', uid: UID, qos: 'burstable' }],
    ['systemd', `kubepods-besteffort-pod${UID_}.slice`, 'besteffort', { kind: 'pod', uid: UID, qos: 'besteffort' }],
    // cgroupfs driver: the level comes from the parent directory
    ['cgroupfs', 'burstable', null, { kind: 'qos', qos: 'burstable' }],
    ['cgroupfs', 'besteffort', null, { kind: 'qos', qos: 'besteffort' }],
    ['cgroupfs', `pod${UID}`, null, { kind: 'pod', uid: UID, qos: 'guaranteed' }],
    ['cgroupfs', `pod${UID}`, 'besteffort', { kind: 'pod', uid: UID, qos: 'besteffort' }],
  ] as const)('%s %s (in %s) -> %j', (driver, name, parent, want) => {
    expect(classifyEntry(driver, name, parent)).toEqual(want);
  });

  it.each([
    // a pod slice whose level contradicts its parent, a QoS level below a QoS level, the other driver's names, containers, junk
    ['systemd', `kubepods-burstable-pod${UID_}.slice`, null],
    ['systemd', `kubepods-pod${UID_}.slice`, 'burstable'],
    ['systemd', 'kubepods-burstable.slice', 'burstable'],
    ['systemd', `pod${UID}`, null],
    ['systemd', 'cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope', 'burstable'],
    ['systemd', 'kubepods-guaranteed.slice', null],
    ['cgroupfs', `kubepods-pod${UID_}.slice`, null],
    ['cgroupfs', 'burstable', 'burstable'],
    ['cgroupfs', '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'burstable'],
    ['cgroupfs', `pod${UID.slice(0, 30)}`, null],
    ['cgroupfs', `pod${UID.toUpperCase()}`, null],
  ] as const)('%s %s (in %s) is neither a pod nor a QoS level', (driver, name, parent) => {
    expect(classifyEntry(driver, name, parent)).toBeNull();
  });
});

describe('cgroup v2 files', () => {
  it('cpu.stat: usage_usec, whatever the other lines (the kernel adds fields over versions)', () => {
    const text = 'usage_usec 1634578\nuser_usec 1143270\nsystem_usec 491308\ncore_sched.force_idle_usec 0\nnr_periods 12\nnr_throttled 3\nthrottled_usec 5012\nnr_bursts 0\nburst_usec 0\n';
    expect(parseCpuStatUsageUsec(text)).toBe(1_634_578);
  });

  it('cpu.stat without usage_usec, or with a garbled one, is an error, never 0', () => {
    expect(() => parseCpuStatUsageUsec('user_usec 5\n')).toThrow(/no usage_usec line/);
    expect(() => parseCpuStatUsageUsec('usage_usec -5\n')).toThrow(/usage_usec: expected an unsigned integer/);
    expect(() => parseCpuStatUsageUsec('usage_usec 99999999999999999999\n')).toThrow(/beyond 2\^53/);
    expect(() => parseCpuStatUsageUsec('')).toThrow(/no usage_usec/);
  });

  it('v1 cpuacct.usage: ns as µs, exact beyond 2^53 ns (104 days of CPU time); garbled is an error', () => {
    expect(parseCpuacctUsageUsec('1634578123456\n')).toBe(1_634_578_123);
    // 1.2e18 ns is past 2^53: as a double it would not even end in 789.
    expect(parseCpuacctUsageUsec('1234567890123456789\n')).toBe(1_234_567_890_123_456);
    expect(() => parseCpuacctUsageUsec('')).toThrow(/cpuacct.usage: expected an unsigned integer/);
    expect(() => parseCpuacctUsageUsec('12 34\n')).toThrow(/cpuacct.usage/);
  });

  it('memory.current: bytes; empty or garbled is an error', () => {
    expect(parseMemoryCurrent('104857600\n')).toBe(104_857_600);
    expect(parseMemoryCurrent('0\n')).toBe(0);
    expect(() => parseMemoryCurrent('')).toThrow(/memory.current: expected an unsigned integer/);
    expect(() => parseMemoryCurrent('max\n')).toThrow(/memory.current/);
  });
});
