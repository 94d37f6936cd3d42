/** The processor facts of the host inventory. */
export interface CpuFacts {
  /** `Intel`, `AMD`, `ARM`...: the vendor, as systeminformation spelled it. */
  manufacturer: string;
  /** The model without the vendor's name, e.g. `EPYC 9654 96-Core Processor`. */
  brand: string;
  physicalCores: number;
  /** Logical processors (hardware threads). */
  cores: number;
  /** Sockets. */
  processors: number;
  /** The `hypervisor` CPU flag: the kernel runs as a guest (x86). */
  hypervisor: boolean;
}

/** Vendors by the word they are known by in a model name, in systeminformation's spelling. */
const VENDOR_WORDS: [RegExp, string][] = [
  [/intel/i, 'Intel'],
  [/amd/i, 'AMD'],
  [/hygon/i, 'Hygon'],
  [/qemu|tcg/i, 'QEMU'],
];

/**
 * Arm processors name no model in /proc/cpuinfo, only implementer and part
 * numbers (lscpu decodes them from a table). The ones GPU servers carry:
 * Grace (Neoverse V2) beside Hopper/Blackwell, Ampere Altra (Neoverse N1).
 */
const ARM_IMPLEMENTERS: Record<string, string> = { '0x41': 'ARM', '0x4e': 'NVIDIA', '0xc0': 'Ampere', '0x48': 'HiSilicon' };
const ARM_PARTS: Record<string, string> = {
  '0x41/0xd0c': 'Neoverse-N1',
  '0x41/0xd40': 'Neoverse-V1',
  '0x41/0xd49': 'Neoverse-N2',
  '0x41/0xd4f': 'Neoverse-V2',
  '0x41/0xd84': 'Neoverse-V3',
  '0x41/0xd8e': 'Neoverse-N3',
  '0xc0/0xac3': 'Ampere-1',
  '0xc0/0xac4': 'Ampere-1a',
};

/** `Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz` → vendor `Intel`, brand `Xeon® Gold 6338` (systeminformation's cleaning). */
function splitModelName(modelName: string): { manufacturer: string; brand: string } {
  const cleaned = modelName
    .split('@')[0]!
    .replace(/\(R\)+/g, '®')
    .replace(/\(TM\)+/g, '™')
    .replace(/\(C\)+/g, '©')
    .replace(/CPU+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const words = cleaned.split(' ');
  const manufacturer = VENDOR_WORDS.find(([re]) => re.test(cleaned))?.[1] ?? words[0] ?? '';
  return { manufacturer, brand: words.slice(1).join(' ') };
}

/**
 * Parses /proc/cpuinfo: one block per logical processor, `key\t: value`
 * lines. Sockets are the distinct `physical id`s, physical cores the distinct
 * (`physical id`, `core id`) pairs; where the kernel lists neither (arm64),
 * one socket with a core per logical processor.
 */
export function parseCpuinfo(text: string): CpuFacts {
  const blocks = text
    .split(/\n\s*\n/)
    .map((block) => {
      const f = new Map<string, string>();
      for (const line of block.split('\n')) {
        const i = line.indexOf(':');
        if (i > 0) f.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
      }
      return f;
    })
    .filter((f) => f.has('processor'));
  if (blocks.length === 0) throw new Error('/proc/cpuinfo lists no processor');
  const first = blocks[0]!;
  const sockets = new Set(blocks.map((f) => f.get('physical id')).filter((id) => id !== undefined));
  const cores = new Set(blocks.filter((f) => f.has('core id')).map((f) => `${f.get('physical id')}/${f.get('core id')}`));
  const modelName = first.get('model name');
  let name: { manufacturer: string; brand: string };
  if (modelName) name = splitModelName(modelName);
  else {
    const implementer = first.get('CPU implementer') ?? '';
    const part = first.get('CPU part') ?? '';
    name = { manufacturer: ARM_IMPLEMENTERS[implementer] ?? implementer, brand: ARM_PARTS[`${implementer}/${part}`] ?? part };
  }
  return {
    ...name,
    physicalCores: cores.size || blocks.length,
    cores: blocks.length,
    processors: sockets.size || 1,
    hypervisor: (first.get('flags') ?? '').split(' ').includes('hypervisor'),
  };
}
