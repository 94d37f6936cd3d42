import { describe, expect, it } from 'vitest';
import { netRates, parseNetDev } from '../../../../agent/collectors/host/net-dev.js';

// /proc/net/dev as read on the development VM (Linux 6.18), plus a line where a large counter touches the colon.
const PROC_NET_DEV = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  704769    5282    0    0    0     0          0         0   704769    5282    0    0    0     0       0          0
  ifb0:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
  eth0: 197698458    8293    0    0    0     0          0         0   737858    6182    0    0    0     0       0          0
enp65s0f0np0:123456789012 98765432    0   12    0     0          0      4711 987654321098 87654321    0    0    0     0       0          0
`;

describe('parseNetDev', () => {
  it('reads the byte counters of every interface, skipping the two header lines', () => {
    expect(parseNetDev(PROC_NET_DEV)).toEqual([
      { iface: 'lo', rxBytes: 704769, txBytes: 704769 },
      { iface: 'ifb0', rxBytes: 0, txBytes: 0 },
      { iface: 'eth0', rxBytes: 197698458, txBytes: 737858 },
      { iface: 'enp65s0f0np0', rxBytes: 123456789012, txBytes: 987654321098 },
    ]);
  });

  it('ignores truncated or garbled lines', () => {
    expect(parseNetDev('  eth0: 1 2 3\n  eth1: a b c d e f g h i j k l m n o p\n')).toEqual([]);
  });
});

describe('netRates', () => {
  const prev = { ts: 10_000, counters: [{ iface: 'eth0', rxBytes: 1_000, txBytes: 5_000 }, { iface: 'veth1', rxBytes: 900, txBytes: 900 }] };

  it('divides the byte deltas by the seconds between snapshots', () => {
    const cur = { ts: 12_000, counters: [{ iface: 'eth0', rxBytes: 3_000, txBytes: 6_000 }, { iface: 'veth1', rxBytes: 900, txBytes: 900 }] };
    expect(netRates(prev, cur)).toEqual([
      { iface: 'eth0', rxBytesPerSecond: 1_000, txBytesPerSecond: 500 },
      { iface: 'veth1', rxBytesPerSecond: 0, txBytesPerSecond: 0 },
    ]);
  });

  it('gives no rate for a new interface or counters that went backwards', () => {
    const cur = { ts: 11_000, counters: [{ iface: 'eth0', rxBytes: 10, txBytes: 6_000 }, { iface: 'veth1', rxBytes: 950, txBytes: 1_000 }, { iface: 'veth2', rxBytes: 5, txBytes: 5 }] };
    expect(netRates(prev, cur)).toEqual([{ iface: 'veth1', rxBytesPerSecond: 50, txBytesPerSecond: 100 }]);
  });

  it('gives nothing when the clock did not advance', () => {
    expect(netRates(prev, { ...prev })).toEqual([]);
  });
});
