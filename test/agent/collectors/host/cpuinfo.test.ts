import { describe, expect, it } from 'vitest';
import { parseCpuinfo } from '../../../../agent/collectors/host/cpuinfo.js';

/** One x86 /proc/cpuinfo block, in the kernel's layout (the flags line trimmed). */
const x86Block = (processor: number, socket: number, core: number, modelName: string, flags = 'fpu vme de pse tsc msr ht') => `processor\t: ${processor}
vendor_id\t: GenuineIntel
cpu family\t: 6
model\t\t: 106
model name\t: ${modelName}
stepping\t: 6
physical id\t: ${socket}
siblings\t: 4
core id\t\t: ${core}
cpu cores\t: 2
flags\t\t: ${flags}
bogomips\t: 4000.00
`;

// Two sockets of two cores with two threads each: eight logical processors, numbered as Linux does (threads last).
const TWO_SOCKETS = [0, 1]
  .flatMap((thread) => [0, 1].flatMap((socket) => [0, 1].map((core) => ({ thread, socket, core }))))
  .map((p, i) => x86Block(i, p.socket, p.core, 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz'))
  .join('\n');

// The development VM's (2 vCPU, one socket).
const VM = [0, 1].map((i) => x86Block(i, 0, i, 'Intel(R) Xeon(R) Processor', 'fpu vme hypervisor lahf_lm')).join('\n');

// NVIDIA Grace (GH200): arm64 names no model, only implementer and part; no socket or core ids.
const GRACE = [0, 1, 2]
  .map(
    (i) => `processor\t: ${i}
BogoMIPS\t: 2000.00
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics
CPU implementer\t: 0x41
CPU architecture: 8
CPU variant\t: 0x0
CPU part\t: 0xd4f
CPU revision\t: 0
`,
  )
  .join('\n');

describe('parseCpuinfo', () => {
  it('counts sockets, physical cores and threads, and names the model as systeminformation did', () => {
    expect(parseCpuinfo(TWO_SOCKETS)).toEqual({ manufacturer: 'Intel', brand: 'Xeon® Gold 6338', physicalCores: 4, cores: 8, processors: 2, hypervisor: false });
  });

  it('keeps an AMD model name whole after the vendor', () => {
    expect(parseCpuinfo(x86Block(0, 0, 0, 'AMD EPYC 9654 96-Core Processor'))).toMatchObject({ manufacturer: 'AMD', brand: 'EPYC 9654 96-Core Processor' });
  });

  it('sees the hypervisor flag of a guest', () => {
    expect(parseCpuinfo(VM)).toEqual({ manufacturer: 'Intel', brand: 'Xeon® Processor', physicalCores: 2, cores: 2, processors: 1, hypervisor: true });
  });

  it('names an Arm processor from its implementer and part, one core per logical processor', () => {
    expect(parseCpuinfo(GRACE)).toEqual({ manufacturer: 'ARM', brand: 'Neoverse-V2', physicalCores: 3, cores: 3, processors: 1, hypervisor: false });
  });

  it('gives the raw implementer and part of an Arm processor it does not know', () => {
    expect(parseCpuinfo(GRACE.replaceAll('0x41', '0x51').replaceAll('0xd4f', '0x001'))).toMatchObject({ manufacturer: '0x51', brand: '0x001' });
  });

  it('refuses a text without processors', () => {
    expect(() => parseCpuinfo('')).toThrow('/proc/cpuinfo lists no processor');
  });
});
