import { describe, expect, it } from 'vitest';
import { parseXid, pciKey } from '../../../../agent/collectors/gpu/parse-xid.js';

describe('parseXid', () => {
  it('reads bus id and XID of the formats drivers print', () => {
    // Open kernel modules, process unknown (gpud's XID docs).
    expect(parseXid("NVRM: Xid (PCI:0000:cb:00): 13, pid='<unknown>', name=<unknown>, Graphics SM Warp Exception on (GPC 7, TPC 7, SM 0): Illegal Instruction Parameter")).toEqual({
      pci: '0:203:0',
      xid: 13,
      gpuInstance: null,
      computeInstance: null,
    });
    // A known process (NVSentinel's tests), a non-zero domain.
    expect(parseXid('NVRM: Xid (PCI:0001:00:00): 31, pid=2079991, name=pt_main_thread, Ch 00000007, intr 00000000. MMU Fault: ENGINE GRAPHICS GPCCLIENT_T1_6 faulted @ 0x7f5a_e7504000.')).toMatchObject({ pci: '1:0:0', xid: 31 });
    // Without pid and name, and the old format without `PCI:` (both quoted in gpud's parser).
    expect(parseXid('NVRM: Xid (PCI:0000:01:00): 79, GPU has fallen off the bus.')).toMatchObject({ pci: '0:1:0', xid: 79 });
    expect(parseXid('NVRM: Xid (0000:03:00): 14, Channel 00000001')).toMatchObject({ pci: '0:3:0', xid: 14 });
  });

  it('reads the MIG attribution kernel_rc.c adds inside the parenthesis', () => {
    expect(parseXid('NVRM: Xid (PCI:0000:3b:00 GPU-I:05 GPU-CI:01): 43, pid=51234, name=python3, Ch 00000008')).toEqual({ pci: '0:59:0', xid: 43, gpuInstance: 5, computeInstance: 1 });
    expect(parseXid('NVRM: Xid (PCI:0000:3b:00 GPU-I:02): 31, pid=1, name=x, MMU Fault')).toMatchObject({ xid: 31, gpuInstance: 2, computeInstance: null });
  });

  it('answers null for the other NVRM lines and look-alikes', () => {
    for (const line of [
      'NVRM: GPU 0000:03:09.0: GPU has fallen off the bus.',
      'NVRM: GPU at PCI:0000:b3:00: GPU-00000000-0000-0000-0000-000000000000',
      'NVRM: loading NVIDIA UNIX Open Kernel Module for x86_64  590.48.01',
      'kernel: NVRM: Xid (PCI:0000:3d:00): 79, pid=0, GPU has fallen off the bus.', // not at the start of a kernel record
      'NVRM: Xid (PCI:0000:3d:00): , missing number',
      'NVRM: Xid (PCI:zzzz:3d:00): 79, bad domain',
    ]) {
      expect(parseXid(line), line).toBeNull();
    }
  });
});

describe('pciKey', () => {
  it('makes nvidia-smi\'s bus id comparable with the XID line\'s', () => {
    expect(pciKey('00000000:CB:00.0')).toBe(parseXid('NVRM: Xid (PCI:0000:cb:00): 13, x')!.pci);
    expect(pciKey('00000001:00:00.0')).toBe('1:0:0');
    expect(pciKey('00000000:3B:00.0')).not.toBe(pciKey('00000000:3C:00.0'));
  });

  it('answers null for what is no bus id', () => {
    for (const id of [null, undefined, '', 'N/A', '0000:3b:00', 'GPU-0000']) expect(pciKey(id), String(id)).toBeNull();
  });
});
