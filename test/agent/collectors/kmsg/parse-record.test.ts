import { describe, expect, it } from 'vitest';
import { parseKmsgRecord } from '../../../../agent/collectors/kmsg/parse-record.js';

describe('parseKmsgRecord', () => {
  it('reads priority, sequence number, time and message of a record', () => {
    // The first records of this machine's /dev/kmsg, and a driver line at level 3 (KERN_ERR).
    expect(parseKmsgRecord('5,0,0,-;Linux version 6.18.44-fc-v1272 (builder@sandboxing) #1 SMP PREEMPT_DYNAMIC @0')).toEqual({
      seq: 0,
      facility: 0,
      level: 5,
      micros: 0,
      message: 'Linux version 6.18.44-fc-v1272 (builder@sandboxing) #1 SMP PREEMPT_DYNAMIC @0',
    });
    expect(parseKmsgRecord("3,1300,712345678901,-;NVRM: Xid (PCI:0000:03:09): 79, pid='<unknown>', name=<unknown>, GPU has fallen off the bus.")).toMatchObject({
      seq: 1300,
      facility: 0,
      level: 3,
      micros: 712345678901,
    });
  });

  it('splits facility from level (a user-space record has facility 1) and keeps extra prefix fields out of the message', () => {
    expect(parseKmsgRecord('12,7,100,-;hello')).toMatchObject({ facility: 1, level: 4, message: 'hello' });
    // Newer kernels may add fields after the flags; a `;` inside the message stays in it.
    expect(parseKmsgRecord('6,8,200,-,caller=T1;a; b')).toMatchObject({ seq: 8, message: 'a; b' });
  });

  it('answers null for continuation lines and anything that is no record', () => {
    for (const line of [' SUBSYSTEM=pci', ' DEVICE=+pci:0000:01:09.0', '', 'NVRM: Xid (PCI:0000:03:09): 79, no prefix', '6,x,0,-;bad seq', `6,${'9'.repeat(30)},0,-;too big`]) {
      expect(parseKmsgRecord(line), line).toBeNull();
    }
  });
});
